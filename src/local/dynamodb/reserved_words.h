#pragma once
// DynamoDB's reserved words (data/dynamodb-reserved-words.txt, AWS's published list, compiled in):
// no expression may use one as a bare attribute name.
#include <set>
#include <string>
#include <string_view>

namespace pingwatch::local::dynamodb {

// The words, upper case (the list is case-insensitive).
const std::set<std::string>& reserved_words();
bool is_reserved_word(std::string_view name);   // any case

}  // namespace pingwatch::local::dynamodb
