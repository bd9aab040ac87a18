#include "dynaflow/cli/text_table.h"

#include <algorithm>

namespace dynaflow::cli {

std::string Colored(std::string_view text, std::string_view code, bool color) {
  if (!color || code.empty()) return std::string(text);
  return "\x1b[" + std::string(code) + "m" + std::string(text) + "\x1b[0m";
}

size_t DisplayWidth(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;  // count every byte that does not continue a sequence
  }
  return n;
}

TextTable::TextTable(std::vector<std::string> header) : header_(std::move(header)) {}

void TextTable::AddRow(std::vector<Cell> row) {
  row.resize(std::max(row.size(), header_.size()));
  rows_.push_back(std::move(row));
}

std::string TextTable::Render(bool color) const {
  std::vector<size_t> width(header_.size(), 0);
  for (size_t i = 0; i < header_.size(); ++i) width[i] = DisplayWidth(header_[i]);
  for (const auto& row : rows_) {
    if (row.size() > width.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], DisplayWidth(row[i].text));
    }
  }
  auto line = [&](const std::vector<Cell>& cells, bool header) {
    std::string out;
    size_t pending = 0;  // blanks owed before the next non-empty cell (trailing ones dropped)
    for (size_t i = 0; i < cells.size(); ++i) {
      const Cell& c = cells[i];
      if (!c.text.empty()) {
        out.append(pending, ' ');
        pending = 0;
        out += Colored(c.text, header ? std::string_view(kBold) : std::string_view(c.color), color);
      }
      pending += width[i] - DisplayWidth(c.text) + (i + 1 < cells.size() ? 2 : 0);
    }
    return out + "\n";
  };
  std::vector<Cell> head(header_.begin(), header_.end());
  std::string out = line(head, true);
  for (const auto& row : rows_) out += line(row, false);
  return out;
}

void TextTable::Print(std::FILE* out, bool color) const {
  const std::string text = Render(color);
  std::fwrite(text.data(), 1, text.size(), out);
}

std::string KeyValueLines(const std::vector<std::pair<std::string, std::string>>& lines) {
  size_t width = 0;
  for (const auto& [k, v] : lines) width = std::max(width, DisplayWidth(k));
  std::string out;
  for (const auto& [k, v] : lines) {
    out += k + std::string(width + 2 - DisplayWidth(k), ' ') + v + "\n";
  }
  return out;
}

}  // namespace dynaflow::cli
