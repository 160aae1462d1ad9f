// The documentation is part of the product: these tests fail when a new error code or
// configuration key is added without being documented, and when a document or a comment names a
// file of the repository that does not exist (see "References" below for the rule).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.hpp"
#include "core/error.hpp"

namespace ciamd {
namespace {

std::string read_doc(const std::string& name) {
  std::ifstream in(std::string(CIAMD_SOURCE_DIR) + "/docs/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Docs, ErrorsMdListsEveryCodeWithBothMessagesAndStatus) {
  const std::string doc = read_doc("errors.md");
  ASSERT_FALSE(doc.empty());
  for (ErrorCode c : all_error_codes()) {
    const ErrorInfo& e = error_info(c);
    const std::string row = "| " + std::to_string(e.http_status) + " | " + std::string(e.code) +
                            " | " + std::string(e.english) + " | " + std::string(e.chinese) + " |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/errors.md lacks the row: " << row;
  }
}

TEST(Docs, ConfigurationMdDocumentsEveryKeyInItsSection) {
  const std::string doc = read_doc("configuration.md");
  ASSERT_FALSE(doc.empty());
  for (const ConfigKey& key : config_keys()) {
    const std::string heading = "## `[" + std::string(key.section) + "]`";
    const auto section = doc.find(heading);
    ASSERT_NE(section, std::string::npos) << "no section " << heading;
    const auto next = doc.find("\n## ", section + heading.size());
    const auto row = doc.find("| `" + std::string(key.key) + "` |", section);
    EXPECT_TRUE(row != std::string::npos && row < next)
        << "docs/configuration.md does not document [" << key.section << "] " << key.key;
  }
}

// References: a document or a comment names a file of the repository. Two kinds are checked.
//
// 1. Markdown links [text](target) in Markdown files, except URLs ("://", "mailto:"): the target
//    is relative to the citing file.
// 2. Path-like tokens: a run of letters, digits and "_.-+/" that starts the text or follows a space
//    or one of ( [ ` " ' , : and that ends in a known extension (.hpp .cpp .md .txt .sh .sql .toml
//    .yaml .lua .mjs .json; a trailing full stop is punctuation). Such a token is
//    - with a slash, a path: when its first segment is a directory in one of the bases below, the
//      file must exist in one of them. The bases are the repository root, the include roots src/,
//      tests/, tools/ and bench/ (code names `flows/audit.hpp` as it includes it), and the citing
//      file's directory. Not checked, as not ours: a path whose first segment is no directory
//      there (Weibo's endpoint `2/users/show.json`), an absolute path, a URL (after "://" the
//      token starts with "/").
//    - without a slash, a file name (.hpp .cpp .md .txt only): some file of the repository must
//      have that name (`sql_commit.cpp` next to its sibling, `CMakeLists.txt`).
//    Placeholders are written in angle brackets (`migrations/<NNN>_<name>.sql`): "<" and ">"
//    end a token and a token after ">" or "*" is not checked, and neither are system headers
//    (`<boost/json.hpp>`).
// Either kind may carry an anchor, `docs/providers.md#weibo`: it must be the anchor of a heading
// of that Markdown file (GitHub's rule: lower case, punctuation but "-" and "_" dropped, spaces
// become "-").
//
// Scanned: README.md and docs/*.md whole; under src/, tests/, tools/, bench/ and scripts/, the
// Markdown files whole and the comments of C++ and JavaScript (// and /* */, not string
// literals), shell and CMake (#), Lua and SQL (--) files.

namespace fs = std::filesystem;

const fs::path& source_root() {
  static const fs::path root(CIAMD_SOURCE_DIR);
  return root;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct TextLine {
  int number = 0;
  std::string text;
};

std::vector<TextLine> all_lines(std::string_view text) {
  std::vector<TextLine> out;
  int number = 1;
  for (std::size_t start = 0; start <= text.size(); ++number) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out.push_back({number, std::string(text.substr(start, end - start))});
    start = end + 1;
  }
  return out;
}

// The comments of a C++ or JavaScript file, one entry per source line they cover. String,
// character and raw string literals are skipped, so "//" inside a string is not a comment.
std::vector<TextLine> c_comments(std::string_view text) {
  std::vector<TextLine> out;
  int line = 1;
  std::size_t i = 0;
  const auto count_lines = [&](std::size_t from, std::size_t to) {
    line += static_cast<int>(std::count(text.begin() + static_cast<std::ptrdiff_t>(from),
                                        text.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
  };
  while (i < text.size()) {
    const char c = text[i];
    const char prev = i > 0 ? text[i - 1] : '\n';
    if (c == '\n') {
      ++line;
      ++i;
    } else if (text.compare(i, 2, "//") == 0) {
      const std::size_t end = std::min(text.find('\n', i), text.size());
      out.push_back({line, std::string(text.substr(i + 2, end - i - 2))});
      i = end;
    } else if (text.compare(i, 2, "/*") == 0) {
      const std::size_t end = std::min(text.find("*/", i + 2), text.size());
      for (const TextLine& l : all_lines(text.substr(i + 2, end - i - 2))) {
        out.push_back({line + l.number - 1, l.text});
      }
      count_lines(i, end);
      i = std::min(end + 2, text.size());
    } else if (c == 'R' && i + 1 < text.size() && text[i + 1] == '"' &&
               !(std::isalnum(static_cast<unsigned char>(prev)) || prev == '_')) {
      const std::size_t open = text.find('(', i);
      if (open == std::string_view::npos) break;
      const std::string close = ")" + std::string(text.substr(i + 2, open - i - 2)) + "\"";
      const std::size_t end = std::min(text.find(close, open), text.size());
      count_lines(i, end);
      i = std::min(end + close.size(), text.size());
    } else if (c == '"' || (c == '\'' && !std::isalnum(static_cast<unsigned char>(prev)))) {
      // A quote after a letter or digit is a digit separator (1'000), not a character literal.
      std::size_t j = i + 1;
      while (j < text.size() && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
      i = j + 1;
    } else {
      ++i;
    }
  }
  return out;
}

// Comments that run from `marker` to the end of the line: # (shell, CMake) or -- (Lua, SQL). The
// marker starts a comment at the start of a line or after white space, outside quotes.
std::vector<TextLine> line_comments(std::string_view text, std::string_view marker) {
  std::vector<TextLine> out;
  for (const TextLine& l : all_lines(text)) {
    char quote = 0;
    for (std::size_t i = 0; i < l.text.size(); ++i) {
      const char c = l.text[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if ((c == '"' || c == '\'') && marker == "#") {
        quote = c;
      } else if (l.text.compare(i, marker.size(), marker) == 0 &&
                 (i == 0 || l.text[i - 1] == ' ' || l.text[i - 1] == '\t')) {
        out.push_back({l.number, l.text.substr(i + marker.size())});
        break;
      }
    }
  }
  return out;
}

struct Reference {
  std::string target;  // as written, without the anchor
  std::string anchor;  // after '#', or ""
  bool link = false;   // a Markdown link (relative to the citing file) rather than a token
};

bool ends_with_any(std::string_view s, std::initializer_list<std::string_view> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](std::string_view x) {
    return s.size() > x.size() && s.substr(s.size() - x.size()) == x;
  });
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
         c == '+' || c == '/';
}

std::string anchor_after(std::string_view line, std::size_t pos) {
  if (pos >= line.size() || line[pos] != '#') return {};
  std::size_t end = pos + 1;
  while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) ||
                               line[end] == '-' || line[end] == '_')) {
    ++end;
  }
  return std::string(line.substr(pos + 1, end - pos - 1));
}

// The references in one line of text, by the rule above. Markdown links only when `markdown`.
std::vector<Reference> references_in(std::string_view line, bool markdown) {
  std::vector<Reference> out;
  if (markdown) {
    for (std::size_t at = line.find("]("); at != std::string_view::npos;
         at = line.find("](", at + 2)) {
      const std::size_t end = line.find(')', at + 2);
      if (end == std::string_view::npos) break;
      const std::string_view target = line.substr(at + 2, end - at - 2);
      if (target.empty() || target.find("://") != std::string_view::npos ||
          target.starts_with("mailto:") || target.find(' ') != std::string_view::npos) {
        continue;
      }
      const std::size_t hash = target.find('#');
      out.push_back({std::string(target.substr(0, hash)),
                     hash == std::string_view::npos ? "" : std::string(target.substr(hash + 1)),
                     true});
    }
  }
  for (std::size_t i = 0; i < line.size();) {
    if (!is_token_char(line[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < line.size() && is_token_char(line[end])) ++end;
    const bool after_boundary =
        i == 0 || std::string_view(" \t([`\"',:").find(line[i - 1]) != std::string_view::npos;
    std::string_view token = line.substr(i, end - i);
    while (token.ends_with('.')) token.remove_suffix(1);
    const bool path = token.find('/') != std::string_view::npos;
    const bool known =
        path ? ends_with_any(token, {".hpp", ".cpp", ".md", ".txt", ".sh", ".sql", ".toml", ".yaml",
                                     ".lua", ".mjs", ".json"})
             : ends_with_any(token, {".hpp", ".cpp", ".md", ".txt"}) && !token.starts_with('.');
    // A Markdown link's target is checked as a link, not a second time as a token.
    const bool link_target = markdown && i >= 2 && line.substr(i - 2, 2) == "](";
    if (after_boundary && known && !token.starts_with('/') && !link_target) {
      out.push_back({std::string(token), anchor_after(line, i + token.size()), false});
    }
    i = end;
  }
  return out;
}

// GitHub's anchor for a heading's text.
std::string heading_anchor(std::string_view heading) {
  std::string out;
  for (const char c : heading) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || std::isalnum(u) || c == '-' || c == '_') {
      out.push_back(static_cast<char>(u < 0x80 ? std::tolower(u) : u));
    } else if (c == ' ') {
      out.push_back('-');
    }
  }
  return out;
}

// The anchors of a Markdown file's headings, outside fenced code blocks.
std::set<std::string> anchors_of(const fs::path& markdown) {
  std::set<std::string> out;
  bool fenced = false;
  for (const TextLine& l : all_lines(read_file(markdown))) {
    if (l.text.starts_with("```")) fenced = !fenced;
    if (fenced || !l.text.starts_with('#')) continue;
    const std::size_t text = l.text.find_first_not_of('#');
    if (text != std::string::npos && l.text[text] == ' ') {
      out.insert(heading_anchor(l.text.substr(text + 1)));
    }
  }
  return out;
}

class ReferenceChecker {
 public:
  ReferenceChecker() {
    for (auto it = fs::recursive_directory_iterator(source_root()); it != end(it); ++it) {
      const std::string name = it->path().filename().string();
      if (it->is_directory() && skipped(name)) {
        it.disable_recursion_pending();
      } else if (it->is_regular_file()) {
        file_names_.insert(name);
      }
    }
  }

  // Directories whose files are not the project's own: VCS data, build trees, npm packages.
  static bool skipped(const std::string& dir) {
    return dir == ".git" || dir == "node_modules" || dir.starts_with("build");
  }

  // Checks every reference of `file`; one failure per dangling one, with file and line.
  void check_file(const fs::path& file) {
    const std::string name = file.filename().string();
    const std::string ext = file.extension().string();
    const std::string text = read_file(file);
    std::vector<TextLine> lines;
    const bool markdown = ext == ".md";
    if (markdown) {
      lines = all_lines(text);
    } else if (ext == ".cpp" || ext == ".hpp" || ext == ".h" || ext == ".mjs") {
      lines = c_comments(text);
    } else if (ext == ".sh" || ext == ".cmake" || name == "CMakeLists.txt") {
      lines = line_comments(text, "#");
    } else if (ext == ".lua" || ext == ".sql") {
      lines = line_comments(text, "--");
    } else {
      return;
    }
    ++files_;
    const fs::path dir = file.parent_path();
    const std::string citing = fs::relative(file, source_root()).string();
    for (const TextLine& l : lines) {
      for (const Reference& ref : references_in(l.text, markdown)) {
        check(ref, dir, citing + ":" + std::to_string(l.number), file);
      }
    }
  }

  int files() const { return files_; }
  int checked() const { return checked_; }

 private:
  void check(const Reference& ref, const fs::path& dir, const std::string& where,
             const fs::path& citing_file) {
    std::optional<fs::path> found;
    if (ref.link) {
      if (ref.target.empty()) {
        found = citing_file;  // [x](#anchor): a heading of the same file
      } else if (fs::exists(dir / ref.target)) {
        found = dir / ref.target;
      }
    } else if (ref.target.find('/') == std::string::npos) {
      if (file_names_.count(ref.target) == 0) {
        ADD_FAILURE() << where << ": names " << ref.target << ", no file of the repository";
        ++checked_;
        return;
      }
    } else {
      const std::string first = ref.target.substr(0, ref.target.find('/'));
      const fs::path& root = source_root();
      const fs::path bases[] = {root,           root / "src",   root / "tests",
                                root / "tools", root / "bench", dir};
      bool ours = false;
      for (const fs::path& base : bases) {
        ours = ours || fs::is_directory(base / first);
        if (!found && fs::exists(base / ref.target)) found = base / ref.target;
      }
      if (!ours) return;  // not a path of this repository
    }
    ++checked_;
    if (!found && (ref.link || ref.target.find('/') != std::string::npos)) {
      ADD_FAILURE() << where << ": names " << ref.target << ", which does not exist";
      return;
    }
    if (!ref.anchor.empty() && found && found->extension() == ".md" &&
        anchors_of(*found).count(ref.anchor) == 0) {
      ADD_FAILURE() << where << ": names " << ref.target << "#" << ref.anchor
                    << ", but that file has no heading with this anchor";
    }
  }

  std::set<std::string> file_names_;
  int files_ = 0;
  int checked_ = 0;
};

TEST(DocsReferences, TheRuleFindsPathsAndLinksAndLeavesTheRestAlone) {
  const auto targets = [](std::string_view line, bool markdown) {
    std::vector<std::string> out;
    for (const Reference& r : references_in(line, markdown)) {
      out.push_back(r.target + (r.anchor.empty() ? "" : "#" + r.anchor) +
                    (r.link ? " (link)" : ""));
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(targets("see src/flows/audit.hpp.", false), V{"src/flows/audit.hpp"});
  EXPECT_EQ(targets("(docs/providers.md#weibo-errors)", false),
            V{"docs/providers.md#weibo-errors"});
  EXPECT_EQ(targets("lives in sql_commit.cpp, next", false), V{"sql_commit.cpp"});
  EXPECT_EQ(targets("#include <boost/json/object.hpp>", false), V{});
  EXPECT_EQ(targets("https://open.weibo.com/wiki/x.md", false), V{});
  EXPECT_EQ(targets("every migrations/<NNN>_<name>.sql and *.cpp", false), V{});
  EXPECT_EQ(targets("r.json() and ciamd.toml", false), V{});
  EXPECT_EQ(targets("[errors](errors.md#x) [web](https://a.b/c.md)", true),
            V{"errors.md#x (link)"});
  EXPECT_EQ(targets("[api.md](api.md)", true), (V{"api.md (link)", "api.md"}));
}

TEST(DocsReferences, CommentsAreFoundOutsideStringLiterals) {
  const std::vector<TextLine> c = c_comments(
      "int a = 1'000; // one a.md\nauto s = \"// not\"; auto r = R\"x(// no)x\";\n"
      "/* two\n b.md */\n");
  ASSERT_EQ(c.size(), 3U);
  EXPECT_EQ(c[0].number, 1);
  EXPECT_EQ(c[0].text, " one a.md");
  EXPECT_EQ(c[2].number, 4);
  EXPECT_EQ(c[2].text, " b.md ");
  const std::vector<TextLine> sh = line_comments("echo \"# no\" $# # yes\n# whole\n", "#");
  ASSERT_EQ(sh.size(), 2U);
  EXPECT_EQ(sh[0].text, " yes");
  EXPECT_EQ(heading_anchor("WeChat mini program: stable_token"),
            "wechat-mini-program-stable_token");
}

TEST(DocsReferences, EveryFileNamedInTheDocsAndCommentsExists) {
  ReferenceChecker checker;
  const fs::path& root = source_root();
  checker.check_file(root / "README.md");
  for (const auto& entry : fs::directory_iterator(root / "docs")) {
    if (entry.path().extension() == ".md") checker.check_file(entry.path());
  }
  for (const char* top : {"src", "tests", "tools", "bench", "scripts"}) {
    for (auto it = fs::recursive_directory_iterator(root / top); it != end(it); ++it) {
      if (it->is_directory() && ReferenceChecker::skipped(it->path().filename().string())) {
        it.disable_recursion_pending();
      } else if (it->is_regular_file()) {
        checker.check_file(it->path());
      }
    }
  }
  // A scanner that silently found nothing would pass; it must have seen the tree.
  EXPECT_GT(checker.files(), 300);
  EXPECT_GT(checker.checked(), 300);
}

TEST(Config, EnvironmentNamesFollowTheDocumentedRule) {
  EXPECT_EQ(env_name({"server", "listen"}), "CIAMD_SERVER_LISTEN");
  EXPECT_EQ(env_name({"database", "url"}), "CIAMD_DATABASE_URL");
  EXPECT_EQ(env_name({"upstream", "wechat_base_url"}), "CIAMD_UPSTREAM_WECHAT_BASE_URL");
}

TEST(Config, ListenAddresses) {
  EXPECT_EQ(parse_listen("127.0.0.1:8080").port, 8080);
  EXPECT_EQ(parse_listen("[::1]:0").host, "::1");
  EXPECT_THROW(parse_listen("localhost"), ConfigError);
  EXPECT_THROW(parse_listen("127.0.0.1:99999"), ConfigError);
}

}  // namespace
}  // namespace ciamd
