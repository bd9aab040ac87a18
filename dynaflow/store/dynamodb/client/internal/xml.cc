#include "dynaflow/store/dynamodb/client/internal/xml.h"

#include <cstdint>

namespace dynaflow::dynamodb::internal {
namespace {

constexpr size_t kMaxDocumentBytes = size_t{1} << 20;
constexpr int kMaxDepth = 64;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsNameChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':' || u >= 0x80;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<XmlElement> Document() {
    if (s_.size() > kMaxDocumentBytes) return Error("the document is larger than 1 MiB");
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    if (Status st = Misc(/*allow_declaration=*/true); !st.ok()) return st;
    if (pos_ >= s_.size() || s_[pos_] != '<') return Error("expected the root element");
    XmlElement root;
    if (Status st = Element(&root, 1); !st.ok()) return st;
    if (Status st = Misc(/*allow_declaration=*/false); !st.ok()) return st;
    if (pos_ != s_.size()) return Error("unexpected content after the root element");
    return root;
  }

 private:
  Status Error(std::string_view rule) const {
    return Status::Serialization("malformed XML at byte " + std::to_string(pos_) + ": " +
                                 std::string(rule));
  }

  bool StartsWith(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }

  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }

  // Whitespace, comments and (at the start) the XML declaration.
  Status Misc(bool allow_declaration) {
    for (;;) {
      SkipSpace();
      if (StartsWith("<?")) {
        if (!allow_declaration) return Error("processing instructions are not supported");
        const size_t end = s_.find("?>", pos_ + 2);
        if (end == std::string_view::npos) return Error("unterminated XML declaration");
        pos_ = end + 2;
        allow_declaration = false;
      } else if (StartsWith("<!--")) {
        if (Status st = Comment(); !st.ok()) return st;
      } else if (StartsWith("<!")) {
        return Error("DOCTYPE declarations are not accepted");
      } else {
        return Status::OK();
      }
    }
  }

  Status Comment() {
    const size_t end = s_.find("-->", pos_ + 4);
    if (end == std::string_view::npos) return Error("unterminated comment");
    pos_ = end + 3;
    return Status::OK();
  }

  Status Name(std::string_view* out) {
    const size_t start = pos_;
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    if (pos_ == start) return Error("expected a name");
    *out = s_.substr(start, pos_ - start);
    return Status::OK();
  }

  static std::string_view LocalName(std::string_view qname) {
    const size_t colon = qname.rfind(':');
    return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
  }

  // Decodes the entity reference at pos_ ('&') into `out`.
  Status Entity(std::string* out) {
    const size_t end = s_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 12) return Error("unterminated entity");
    const std::string_view ref = s_.substr(pos_ + 1, end - pos_ - 1);
    if (ref == "lt") {
      out->push_back('<');
    } else if (ref == "gt") {
      out->push_back('>');
    } else if (ref == "amp") {
      out->push_back('&');
    } else if (ref == "quot") {
      out->push_back('"');
    } else if (ref == "apos") {
      out->push_back('\'');
    } else if (ref.size() >= 2 && ref[0] == '#') {
      const bool hex = ref[1] == 'x';
      const std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return Error("empty character reference");
      uint32_t cp = 0;
      for (char c : digits) {
        uint32_t d;
        if (c >= '0' && c <= '9') {
          d = static_cast<uint32_t>(c - '0');
        } else if (hex && c >= 'a' && c <= 'f') {
          d = static_cast<uint32_t>(c - 'a' + 10);
        } else if (hex && c >= 'A' && c <= 'F') {
          d = static_cast<uint32_t>(c - 'A' + 10);
        } else {
          return Error("invalid character reference");
        }
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > 0x10FFFF) return Error("character reference out of range");
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return Error("invalid character reference");
      AppendUtf8(cp, out);
    } else {
      return Error("unknown entity");
    }
    pos_ = end + 1;
    return Status::OK();
  }

  Status Attributes(bool* self_closing) {
    for (;;) {
      const size_t before = pos_;
      SkipSpace();
      if (pos_ >= s_.size()) return Error("unterminated start tag");
      if (s_[pos_] == '>') {
        ++pos_;
        *self_closing = false;
        return Status::OK();
      }
      if (StartsWith("/>")) {
        pos_ += 2;
        *self_closing = true;
        return Status::OK();
      }
      if (pos_ == before) return Error("expected whitespace before an attribute");
      std::string_view name;
      if (Status st = Name(&name); !st.ok()) return st;
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '=') return Error("expected '=' after an attribute");
      ++pos_;
      SkipSpace();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) {
        return Error("expected a quoted attribute value");
      }
      const char quote = s_[pos_];
      const size_t end = s_.find(quote, pos_ + 1);
      if (end == std::string_view::npos) return Error("unterminated attribute value");
      if (s_.substr(pos_ + 1, end - pos_ - 1).find('<') != std::string_view::npos) {
        return Error("'<' in an attribute value");
      }
      pos_ = end + 1;
    }
  }

  Status Element(XmlElement* el, int depth) {
    if (depth > kMaxDepth) return Error("elements nested deeper than 64");
    ++pos_;  // '<'
    std::string_view qname;
    if (Status st = Name(&qname); !st.ok()) return st;
    el->name = std::string(LocalName(qname));
    bool self_closing = false;
    if (Status st = Attributes(&self_closing); !st.ok()) return st;
    if (self_closing) return Status::OK();
    for (;;) {
      if (pos_ >= s_.size()) return Error("unclosed element");
      const char c = s_[pos_];
      if (c == '&') {
        if (Status st = Entity(&el->text); !st.ok()) return st;
      } else if (c != '<') {
        if (c == '>' && StartsWith("]]>")) return Error("']]>' in character data");
        el->text.push_back(c);
        ++pos_;
      } else if (StartsWith("</")) {
        const size_t tag_start = pos_;
        pos_ += 2;
        std::string_view close;
        if (Status st = Name(&close); !st.ok()) return st;
        if (close != qname) {
          pos_ = tag_start;
          return Error("closing tag does not match the open element");
        }
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '>') return Error("unterminated closing tag");
        ++pos_;
        return Status::OK();
      } else if (StartsWith("<!--")) {
        if (Status st = Comment(); !st.ok()) return st;
      } else if (StartsWith("<![CDATA[")) {
        const size_t end = s_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return Error("unterminated CDATA section");
        el->text.append(s_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else if (StartsWith("<!") || StartsWith("<?")) {
        return Error("unsupported markup inside an element");
      } else {
        el->children.emplace_back();
        if (Status st = Element(&el->children.back(), depth + 1); !st.ok()) return st;
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view local_name) const {
  for (const auto& c : children) {
    if (c.name == local_name) return &c;
  }
  return nullptr;
}

const XmlElement* XmlElement::Find(std::initializer_list<std::string_view> path) const {
  const XmlElement* cur = this;
  for (std::string_view name : path) {
    cur = cur->Child(name);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string_view XmlElement::TrimmedText() const {
  std::string_view t = text;
  while (!t.empty() && IsSpace(t.front())) t.remove_prefix(1);
  while (!t.empty() && IsSpace(t.back())) t.remove_suffix(1);
  return t;
}

Result<XmlElement> ParseXml(std::string_view document) { return Parser(document).Document(); }

}  // namespace dynaflow::dynamodb::internal
