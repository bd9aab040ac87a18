// Aligned text columns for the `dynaflow` command's human output. Not thread-safe.
//
//   TextTable t({"RUN ID", "STATUS"});
//   t.AddRow({{"01J...", ""}, {"FAILED", kRed}});
//   t.Print(stdout, /*color=*/true);
//
// Columns are separated by two spaces; widths count UTF-8 code points (not bytes), so names
// with accents stay aligned. Colours are ANSI SGR codes wrapped around a cell's text only when
// printing with color = true; they never change the alignment. Trailing blanks are trimmed.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynaflow::cli {

// SGR codes ("" = none).
inline constexpr char kNoColor[] = "";
inline constexpr char kRed[] = "31";
inline constexpr char kGreen[] = "32";
inline constexpr char kYellow[] = "33";
inline constexpr char kBlue[] = "34";
inline constexpr char kCyan[] = "36";
inline constexpr char kDim[] = "2";
inline constexpr char kBold[] = "1";

struct Cell {
  std::string text;
  std::string color;  // SGR code, "" for none
  Cell() = default;
  Cell(std::string t) : text(std::move(t)) {}  // NOLINT: implicit from text on purpose
  Cell(const char* t) : text(t) {}             // NOLINT
  Cell(std::string t, std::string c) : text(std::move(t)), color(std::move(c)) {}
};

// `text` wrapped in the SGR code when `color` and the code is not empty.
std::string Colored(std::string_view text, std::string_view code, bool color);

// UTF-8 code points in `text` (invalid bytes count one each).
size_t DisplayWidth(std::string_view text);

// "key  value" lines, the values aligned two spaces after the longest key, each ending in '\n'.
std::string KeyValueLines(const std::vector<std::pair<std::string, std::string>>& lines);

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);
  // Rows shorter than the header are padded with empty cells.
  void AddRow(std::vector<Cell> row);
  size_t rows() const { return rows_.size(); }
  // The header (bold when `color`) and the rows, one line each.
  void Print(std::FILE* out, bool color) const;
  std::string Render(bool color) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace dynaflow::cli
