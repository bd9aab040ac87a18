// Keeps dynaflow_testlib non-empty.
