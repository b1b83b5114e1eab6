#pragma once
// DynamoDB expressions: condition/filter/key-condition, update (SET/REMOVE/ADD/DELETE) and projection,
// parsed with ExpressionAttributeNames/Values and evaluated against an item.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "local/dynamodb/attribute_value.h"

namespace pingwatch::local::dynamodb {

struct PathElement {
  std::string name;   // map key (resolved from #name)
  int index = -1;     // list index when >= 0
};
using Path = std::vector<PathElement>;
std::string path_text(const Path& path);

struct Operand {
  enum class Kind { Path, Value, Size, IfNotExists, ListAppend, Plus, Minus } kind = Kind::Value;
  Path path;
  nlohmann::json value;
  std::vector<Operand> args;
};

struct Condition {
  enum class Kind { Compare, Between, In, And, Or, Not, Exists, NotExists, BeginsWith, Contains, AttributeType } kind =
      Condition::Kind::Compare;
  std::string op;                    // =, <>, <, <=, >, >=
  std::vector<Operand> operands;
  std::vector<Condition> children;
};

struct UpdateAction {
  enum class Kind { Set, Remove, Add, Delete } kind = Kind::Set;
  Path path;
  Operand value;
};

// Tracks which names/values were used: DynamoDB rejects unused ones.
class ExpressionContext {
 public:
  ExpressionContext(const nlohmann::json& names, const nlohmann::json& values);
  std::string name(const std::string& placeholder);
  nlohmann::json value(const std::string& placeholder);
  void check_all_used() const;   // throws ValidationException naming the unused keys
 private:
  nlohmann::json names_;
  nlohmann::json values_;
  std::set<std::string> used_names_;
  std::set<std::string> used_values_;
};

// what: the parameter's name in error messages (ConditionExpression, FilterExpression, KeyConditionExpression).
Condition parse_condition(const std::string& text, ExpressionContext& context, const std::string& what = "ConditionExpression");
std::vector<UpdateAction> parse_update(const std::string& text, ExpressionContext& context);
std::vector<Path> parse_projection(const std::string& text, ExpressionContext& context);

bool evaluate(const Condition& condition, const Item& item);
std::optional<nlohmann::json> resolve(const Operand& operand, const Item& item);
std::optional<nlohmann::json> get_path(const Item& item, const Path& path);
// Applies the actions to a copy of item and returns it; throws ValidationException as DynamoDB does.
Item apply_update(const Item& item, const std::vector<UpdateAction>& actions);
Item project(const Item& item, const std::vector<Path>& paths);

}  // namespace pingwatch::local::dynamodb
