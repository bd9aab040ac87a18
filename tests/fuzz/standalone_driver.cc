// A main() for the libFuzzer targets of tests/fuzz when libFuzzer is not there (GCC builds, such
// as the ASan build of infra/test.sh). It takes a subset of libFuzzer's command line:
//
//   TARGET [-max_total_time=SECONDS] [-runs=N] [-seed=N] [-max_len=BYTES] DIR_OR_FILE...
//
// It first runs LLVMFuzzerTestOneInput on every input file named or found directly in a named
// directory (the corpus replay), then on mutations of those inputs (byte flips, inserts,
// erases, repeats, splices of two inputs) drawn from a PRNG seeded with -seed (default 1),
// until -max_total_time seconds (default 0: no mutation phase) or -runs mutated inputs (default
// unlimited) are reached. Without coverage feedback the corpus stays as given: this is a
// bounded smoke fuzz for every test run, not a replacement for a libFuzzer campaign.
//
// A crash is a sanitizer report or an abort() in the target: the process dies with a non-zero
// status after writing the input to ./crash-<hash> (replay: TARGET crash-<hash>). Exit status 0
// when every input ran; 2 on a usage error or an unreadable input.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// From the sanitizer runtime (<sanitizer/common_interface_defs.h>); weak, so that a build
// without sanitizers links too (then the symbol is null).
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace {

using Input = std::vector<uint8_t>;

struct Options {
  double max_total_time_s = 0;     // length of the mutation phase; 0: none
  uint64_t runs = UINT64_MAX;      // mutated inputs at most
  uint64_t seed = 1;               // PRNG seed of the mutation phase
  size_t max_len = 4096;           // mutated inputs are cut to this length
  std::vector<std::string> paths;  // corpus files and directories
};

// The input being run, for WriteCrashInput (set before each run; read from a signal handler).
const uint8_t* g_current_data = nullptr;
size_t g_current_size = 0;

// Writes the current input to ./crash-<FNV-1a hash> with async-signal-safe calls only.
void WriteCrashInput() {
  if (g_current_data == nullptr) return;
  uint64_t hash = 14695981039346656037ull;
  for (size_t i = 0; i < g_current_size; ++i) hash = (hash ^ g_current_data[i]) * 1099511628211ull;
  char name[] = "crash-0000000000000000";
  for (int i = 0; i < 16; ++i) name[6 + 15 - i] = "0123456789abcdef"[(hash >> (4 * i)) & 0xf];
  const int fd = ::open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  size_t written = 0;
  while (written < g_current_size) {
    const ssize_t n = ::write(fd, g_current_data + written, g_current_size - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  static constexpr char kPrefix[] = "standalone_driver: crashing input written to ./";
  (void)!::write(STDERR_FILENO, kPrefix, sizeof(kPrefix) - 1);
  (void)!::write(STDERR_FILENO, name, sizeof(name) - 1);
  (void)!::write(STDERR_FILENO, "\n", 1);
}

// abort() in a target (a failed property) is not a sanitizer report: save the input, then die
// of SIGABRT as before.
void OnAbort(int) {
  WriteCrashInput();
  std::signal(SIGABRT, SIG_DFL);
  std::raise(SIGABRT);
}

void Run(const Input& input) {
  g_current_data = input.data();
  g_current_size = input.size();
  LLVMFuzzerTestOneInput(input.data(), input.size());
  g_current_data = nullptr;
}

bool ParseNumber(std::string_view text, uint64_t* out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

// Parses argv into *options; prints the problem and returns false on a usage error.
bool ParseOptions(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!arg.starts_with('-')) {
      options->paths.emplace_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    uint64_t value = 0;
    if (eq == std::string_view::npos || !ParseNumber(arg.substr(eq + 1), &value)) {
      std::fprintf(stderr, "standalone_driver: expected -name=NUMBER, got %s\n", argv[i]);
      return false;
    }
    if (name == "-max_total_time") {
      options->max_total_time_s = static_cast<double>(value);
    } else if (name == "-runs") {
      options->runs = value;
    } else if (name == "-seed") {
      options->seed = value;
    } else if (name == "-max_len" && value > 0) {
      options->max_len = value;
    } else {
      std::fprintf(stderr, "standalone_driver: unknown option %s\n", argv[i]);
      return false;
    }
  }
  return true;
}

// Reads every named file and every regular file directly in a named directory (sorted by path,
// so that runs are reproducible). Returns false when a path cannot be read.
bool ReadCorpus(const std::vector<std::string>& paths, std::vector<Input>* corpus) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (const fs::directory_entry& entry : fs::directory_iterator(path, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.emplace_back(path);
    }
    if (ec) {
      std::fprintf(stderr, "standalone_driver: cannot read %s: %s\n", path.c_str(),
                   ec.message().c_str());
      return false;
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "standalone_driver: cannot open %s\n", file.c_str());
      return false;
    }
    corpus->emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return true;
}

// Applies one to four random edits to a copy of a corpus input (or of an empty input).
class Mutator {
 public:
  Mutator(const std::vector<Input>& corpus, uint64_t seed, size_t max_len)
      : corpus_(corpus), rng_(seed), max_len_(max_len) {}

  Input Next() {
    Input input = corpus_.empty() ? Input() : corpus_[Below(corpus_.size())];
    const size_t edits = 1 + Below(4);
    for (size_t i = 0; i < edits; ++i) Edit(&input);
    if (input.size() > max_len_) input.resize(max_len_);
    return input;
  }

 private:
  // A uniform number in [0, n) (0 when n is 0).
  size_t Below(size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }

  uint8_t AnyByte() {
    // Bytes that steer JSON and INI parsers, as often as arbitrary bytes.
    static constexpr std::string_view kSyntax = "{}[]\":,\\ \n\t=#;0-9eE.+uSNBLMT\x80\xff";
    if (Below(2) == 0) return static_cast<uint8_t>(kSyntax[Below(kSyntax.size())]);
    return static_cast<uint8_t>(Below(256));
  }

  void Edit(Input* input) {
    const size_t size = input->size();
    switch (Below(6)) {
      case 0:  // flip one bit
        if (size > 0) (*input)[Below(size)] ^= static_cast<uint8_t>(1u << Below(8));
        break;
      case 1:  // overwrite one byte
        if (size > 0) (*input)[Below(size)] = AnyByte();
        break;
      case 2:  // insert one byte
        input->insert(input->begin() + static_cast<ptrdiff_t>(Below(size + 1)), AnyByte());
        break;
      case 3: {  // erase a range
        if (size == 0) break;
        const size_t at = Below(size);
        const size_t n = 1 + Below(std::min<size_t>(size - at, 16));
        input->erase(input->begin() + static_cast<ptrdiff_t>(at),
                     input->begin() + static_cast<ptrdiff_t>(at + n));
        break;
      }
      case 4: {  // repeat a range in place
        if (size == 0) break;
        const size_t at = Below(size);
        const size_t n = 1 + Below(std::min<size_t>(size - at, 32));
        const Input range(input->begin() + static_cast<ptrdiff_t>(at),
                          input->begin() + static_cast<ptrdiff_t>(at + n));
        input->insert(input->begin() + static_cast<ptrdiff_t>(at), range.begin(), range.end());
        break;
      }
      default: {  // splice: this input's head, another input's tail
        if (corpus_.empty()) break;
        const Input& other = corpus_[Below(corpus_.size())];
        const size_t from = Below(other.size() + 1);
        input->resize(Below(size + 1));
        input->insert(input->end(), other.begin() + static_cast<ptrdiff_t>(from), other.end());
        break;
      }
    }
  }

  const std::vector<Input>& corpus_;
  std::mt19937_64 rng_;
  size_t max_len_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, &options)) return 2;
  std::vector<Input> corpus;
  if (!ReadCorpus(options.paths, &corpus)) return 2;
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(WriteCrashInput);
  std::signal(SIGABRT, OnAbort);

  for (const Input& input : corpus) Run(input);
  std::printf("standalone_driver: replayed %zu corpus inputs\n", corpus.size());
  std::fflush(stdout);

  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(options.max_total_time_s));
  const bool time_boxed = options.max_total_time_s > 0;
  const uint64_t max_runs = time_boxed || options.runs != UINT64_MAX ? options.runs : 0;
  // The clock is read every 256 inputs: the time box ends at most a few milliseconds late.
  const auto time_is_up = [&](uint64_t runs) {
    return time_boxed && runs % 256 == 0 && Clock::now() >= deadline;
  };
  Mutator mutator(corpus, options.seed, options.max_len);
  uint64_t runs = 0;
  for (; runs < max_runs && !time_is_up(runs); ++runs) Run(mutator.Next());
  std::printf("standalone_driver: %llu mutated inputs (seed %llu, %.0f s), no crash\n",
              static_cast<unsigned long long>(runs), static_cast<unsigned long long>(options.seed),
              options.max_total_time_s);
  return 0;
}
