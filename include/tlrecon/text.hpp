#pragma once
// Text from the data is hostile until shown otherwise: escape sequences,
// control characters, bidi overrides and invalid UTF-8 all occur in real
// log messages. These functions make it safe for each kind of output.
#include <string>
#include <string_view>

namespace tlrecon {

// For terminals and aligned text: control characters become visible escapes
// ("\n", "\t", "\x1b"), as do C1 controls, bidi overrides and bytes that are
// not valid UTF-8 ("\xff"). Everything else passes unchanged.
std::string visible(std::string_view text);

// Valid UTF-8: each invalid byte becomes U+FFFD. Used where the output must
// be UTF-8 (JSON) but controls are escaped by the format itself.
std::string valid_utf8(std::string_view text);

// The UTF-8 sequence at text[pos], checked and decoded in one pass: its
// length in bytes, 0 when it is not valid UTF-8 (overlong, a surrogate, past
// U+10FFFF, cut short), and the code point it encodes when it is.
struct Utf8Sequence {
  size_t length;
  char32_t code_point;
};
Utf8Sequence decode_utf8(std::string_view text, size_t pos);

// Length of a valid UTF-8 sequence at text[pos], or 0 when invalid.
size_t utf8_sequence_length(std::string_view text, size_t pos);
// Appends the UTF-8 sequence at `pos`, or U+FFFD for an invalid byte, and
// returns how many bytes of `text` it took.
size_t append_utf8_or_replacement(std::string& out, std::string_view text, size_t pos);

// Cuts text to at most `max` bytes at a character boundary, adding "…".
std::string truncate_text(const std::string& text, size_t max);

}  // namespace tlrecon
