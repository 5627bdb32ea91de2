#include <doctest/doctest.h>

#include "tlrecon/text.hpp"

using namespace tlrecon;

TEST_SUITE_BEGIN("text");

TEST_CASE("visible: controls, escapes, bidi overrides and invalid UTF-8 are shown, not passed") {
  CHECK(visible("plain ✅ text") == "plain ✅ text");
  CHECK(visible("a\nb\tc\rd") == "a\\nb\\tc\\rd");
  CHECK(visible("\x1b[31mred\x1b]0;title\x07") == "\\x1b[31mred\\x1b]0;title\\x07");
  CHECK(visible("\xc2\x9b" "2J") == "\\u009b2J");
  CHECK(visible("\xe2\x80\xae" "evil") == "\\u202eevil");
  CHECK(visible("bad \xff\xfe end") == "bad \\xff\\xfe end");
  CHECK(visible("\xc0\xaf") == "\\xc0\\xaf");  // overlong
}

TEST_CASE("valid_utf8: invalid bytes become U+FFFD, the rest is kept") {
  CHECK(valid_utf8("ok ✅") == "ok ✅");
  CHECK(valid_utf8("a\xff" "b") == "a\xef\xbf\xbd" "b");
  CHECK(valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
}

TEST_CASE("truncate_text cuts at a character boundary") {
  CHECK(truncate_text("✅✅", 4) == "✅…");
  CHECK(truncate_text("short", 10) == "short");
}

TEST_SUITE_END();

#include "tlrecon/report.hpp"

TEST_CASE("md_text and md_code: data cannot break a table or inject markup") {
  CHECK(md_text("a|b") == "a\\|b");
  CHECK(md_text("`x`") == "\\`x\\`");
  CHECK(md_text("line\nnext") == "line\\\\nnext");
  CHECK(md_text("[a](b) <i> *s* _u_ #h") == "\\[a\\](b) \\<i\\> \\*s\\* \\_u\\_ \\#h");
  CHECK(md_text("see http://x.io and www.y.io") == "see http\\:\\/\\/x.io and www\\.y.io");
  CHECK(md_text("@team $x$") == "\\@team \\$x\\$");
  CHECK(md_code("plain") == "`plain`");
  CHECK(md_code("a`b") == "``a`b``");
  CHECK(md_code("`edge") == "`` `edge ``");
  CHECK(md_code("a|b") == "`a\\|b`");
  CHECK(md_code("a|b", false) == "`a|b`");
  CHECK(md_code("\x1b[2J") == "`\\x1b[2J`");
}
