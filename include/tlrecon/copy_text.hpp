#pragma once
// PostgreSQL's COPY text format (the one COPY … TO STDOUT writes): fields
// separated by tabs, \N for NULL, backslash escapes for the rest.
#include <string_view>

#include "tlrecon/source.hpp"

namespace tlrecon {

// Splits one line (without its newline) into `row`, decoding escapes.
// Returns the number of fields found.
size_t decode_copy_line(std::string_view line, Row& row);

}  // namespace tlrecon
