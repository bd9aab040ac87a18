// A small, strict XML reader for the few AWS query-protocol answers dynaflow reads (STS).
//
// Builds a tree of elements with their character data; attributes (xmlns included) are checked
// for syntax and dropped, namespace prefixes are removed from element names, so lookups are by
// local name. Supported: an optional BOM and <?xml ...?> declaration, comments, CDATA sections,
// the five predefined entities and numeric character references. Rejected (kSerialization):
// DOCTYPE/DTDs (no entity expansion of any kind), mismatched or unclosed tags, unknown
// entities, text or a second element after the root, nesting deeper than 64, input over 1 MiB.
//
// Error messages give the byte offset and the rule broken, never the document's text (an STS
// answer carries secrets). Pure functions; thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/result.h"

namespace dynaflow::dynamodb::internal {

struct XmlElement {
  std::string name;  // local name: "Credentials" for both <Credentials> and <sts:Credentials>
  std::string text;  // character data directly inside this element, entities decoded, as is
  std::vector<XmlElement> children;

  // The first child element named `local_name`; nullptr when there is none.
  const XmlElement* Child(std::string_view local_name) const;
  // The descendant reached through `path` (child names from this element); nullptr if absent.
  const XmlElement* Find(std::initializer_list<std::string_view> path) const;
  // `text` without leading and trailing XML whitespace.
  std::string_view TrimmedText() const;
};

// Parses a whole document and returns its root element. Errors: kSerialization
// "malformed XML at byte N: <rule>".
Result<XmlElement> ParseXml(std::string_view document);

}  // namespace dynaflow::dynamodb::internal
