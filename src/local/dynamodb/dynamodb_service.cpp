// The local stack's DynamoDB (JSON 1.0, X-Amz-Target DynamoDB_20120810.<Op>, signing name dynamodb):
// tables with a hash (and optional range) key, items, conditions, update expressions, Query/Scan paging,
// batches, TransactWriteItems, and save()/load() for --state. Errors carry DynamoDB's __type and messages.
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include <fmt/format.h>

#include "local/dynamodb/attribute_value.h"
#include "local/dynamodb/expressions.h"
#include "local/protocol_render.h"
#include "local/services.h"

namespace pingwatch::local {

namespace dynamodb {
namespace {

const std::string kPrefix = "com.amazonaws.dynamodb.v20120810#";
constexpr std::size_t kMaxItemBytes = 400 * 1024;
constexpr std::size_t kMaxPageBytes = 1024 * 1024;

[[noreturn]] void invalid(const std::string& message) { throw ServiceError(400, kPrefix + "ValidationException", message); }
[[noreturn]] void not_found(const std::string& table) {
  throw ServiceError(400, kPrefix + "ResourceNotFoundException", "Requested resource not found: Table: " + table + " not found");
}
// An error whose body carries members beyond __type and message: ConditionalCheckFailedException's Item,
// TransactionCanceledException's CancellationReasons. handle() renders them.
struct ErrorWithMembers : ServiceError {
  nlohmann::json members;
  ErrorWithMembers(const std::string& code, const std::string& message, nlohmann::json members_)
      : ServiceError(400, kPrefix + code, message), members(std::move(members_)) {}
};

const char* const kConditionFailedMessage = "The conditional request failed";

// With ReturnValuesOnConditionCheckFailure=ALL_OLD the error carries the item as it is.
[[noreturn]] void condition_failed(const std::optional<Item>& item) {
  nlohmann::json members = nlohmann::json::object();
  if (item) members["Item"] = *item;
  throw ErrorWithMembers("ConditionalCheckFailedException", kConditionFailedMessage, std::move(members));
}

// ReturnValuesOnConditionCheckFailure is ALL_OLD, NONE or absent.
void check_return_on_failure(const std::string& mode) {
  if (!mode.empty() && mode != "NONE" && mode != "ALL_OLD") {
    invalid("1 validation error detected: Value '" + mode +
            "' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]");
  }
}

// The Item a failed condition's error carries: the item as it is, with ALL_OLD (none when there is no item).
std::optional<Item> item_on_failure(const std::string& mode, const Item* current) {
  check_return_on_failure(mode);
  if (mode != "ALL_OLD" || !current) return std::nullopt;
  return *current;
}

Response render_with_members(const Request& request, const ErrorWithMembers& e) {
  Response r = render_error(request, e);
  auto body = nlohmann::json::parse(r.body);
  for (const auto& [k, v] : e.members.items()) body[k] = v;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

struct AvLess {
  bool operator()(const nlohmann::json& a, const nlohmann::json& b) const {
    auto c = av_compare(a, b);
    return c ? *c < 0 : a.dump() < b.dump();
  }
};

struct KeyDef {
  std::string name;
  std::string type;
};

using Partition = std::map<nlohmann::json, Item, AvLess>;

struct Table {
  std::string name;
  std::string arn;
  std::string id;
  double created = 0;
  nlohmann::json key_schema;
  nlohmann::json attribute_definitions;
  std::string billing_mode = "PAY_PER_REQUEST";
  nlohmann::json provisioned = {{"ReadCapacityUnits", 0}, {"WriteCapacityUnits", 0}};
  KeyDef hash;
  std::optional<KeyDef> range;
  std::map<nlohmann::json, Partition, AvLess> items;

  const nlohmann::json& range_placeholder() const {
    static const nlohmann::json p = {{"S", ""}};
    return p;
  }
  std::size_t item_count() const {
    std::size_t n = 0;
    for (const auto& [h, p] : items) n += p.size();
    return n;
  }
  std::size_t size_bytes() const {
    std::size_t n = 0;
    for (const auto& [h, p] : items) {
      for (const auto& [r, it] : p) n += item_size(it);
    }
    return n;
  }
};

std::string string_field(const nlohmann::json& body, const char* name, bool required = false) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) invalid(fmt::format("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", name));
    return {};
  }
  if (!it->is_string()) invalid(fmt::format("Start of structure or map found where not expected ({})", name));
  return it->get<std::string>();
}

nlohmann::json object_field(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nlohmann::json::object();
  if (!it->is_object()) invalid(fmt::format("Expected a map for {}", name));
  return *it;
}

class DynamoDbService : public Service {
 public:
  explicit DynamoDbService(StackContext& context) : context_(context) {}
  std::string signing_name() const override { return "dynamodb"; }

  Response handle(const Request& request) override {
    try {
      return dispatch(request);
    } catch (const ErrorWithMembers& e) {
      return render_with_members(request, e);
    }
  }

  nlohmann::json save() const override {
    std::lock_guard lock(mutex_);
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& [name, t] : tables_) {
      nlohmann::json items = nlohmann::json::array();
      for (const auto& [h, p] : t.items) {
        for (const auto& [r, it] : p) items.push_back(it);
      }
      tables.push_back({{"name", t.name}, {"arn", t.arn}, {"id", t.id}, {"created", t.created},
                        {"key_schema", t.key_schema}, {"attribute_definitions", t.attribute_definitions},
                        {"billing_mode", t.billing_mode}, {"provisioned", t.provisioned}, {"items", items}});
    }
    return {{"tables", tables}};
  }

  void load(const nlohmann::json& state) override {
    std::lock_guard lock(mutex_);
    tables_.clear();
    if (!state.is_object() || !state.contains("tables")) return;
    for (const auto& j : state.at("tables")) {
      Table t;
      t.name = j.at("name").get<std::string>();
      t.arn = j.value("arn", "");
      t.id = j.value("id", "");
      t.created = j.value("created", 0.0);
      t.key_schema = j.at("key_schema");
      t.attribute_definitions = j.at("attribute_definitions");
      t.billing_mode = j.value("billing_mode", "PAY_PER_REQUEST");
      t.provisioned = j.value("provisioned", t.provisioned);
      set_keys(t);
      for (const auto& it : j.at("items")) store(t, it);
      tables_.emplace(t.name, std::move(t));
    }
  }

 private:
  Response dispatch(const Request& request) {
    const auto& op = request.operation;
    const auto& body = request.json;
    std::lock_guard lock(mutex_);
    if (op == "CreateTable") return json_reply(request, create_table(request, body));
    if (op == "DescribeTable") return json_reply(request, {{"Table", describe(table(body))}});
    if (op == "DeleteTable") return json_reply(request, delete_table(body));
    if (op == "ListTables") return json_reply(request, list_tables(body));
    if (op == "PutItem") return json_reply(request, put_item(body));
    if (op == "GetItem") return json_reply(request, get_item(body));
    if (op == "UpdateItem") return json_reply(request, update_item(body));
    if (op == "DeleteItem") return json_reply(request, delete_item(body));
    if (op == "Query") return json_reply(request, read_page(body, true));
    if (op == "Scan") return json_reply(request, read_page(body, false));
    if (op == "BatchWriteItem") return json_reply(request, batch_write(body));
    if (op == "TransactWriteItems") return json_reply(request, transact_write(body));
    if (op == "BatchGetItem") return json_reply(request, batch_get(body));
    throw ServiceError(400, "UnknownOperationException", "");
  }

  // ---- tables ----
  static void set_keys(Table& t) {
    std::map<std::string, std::string> types;
    for (const auto& d : t.attribute_definitions) types[d.at("AttributeName").get<std::string>()] = d.at("AttributeType").get<std::string>();
    for (const auto& k : t.key_schema) {
      const std::string name = k.at("AttributeName").get<std::string>();
      KeyDef def{name, types[name]};
      if (k.at("KeyType") == "HASH") t.hash = def;
      else t.range = def;
    }
  }

  nlohmann::json describe(const Table& t) const {
    nlohmann::json d = {{"TableName", t.name},
                        {"TableArn", t.arn},
                        {"TableId", t.id},
                        {"TableStatus", "ACTIVE"},
                        {"CreationDateTime", t.created},
                        {"KeySchema", t.key_schema},
                        {"AttributeDefinitions", t.attribute_definitions},
                        {"ItemCount", t.item_count()},
                        {"TableSizeBytes", t.size_bytes()},
                        {"ProvisionedThroughput",
                         {{"NumberOfDecreasesToday", 0},
                          {"ReadCapacityUnits", t.provisioned.value("ReadCapacityUnits", 0)},
                          {"WriteCapacityUnits", t.provisioned.value("WriteCapacityUnits", 0)}}},
                        {"DeletionProtectionEnabled", false}};
    if (t.billing_mode == "PAY_PER_REQUEST") {
      d["BillingModeSummary"] = {{"BillingMode", "PAY_PER_REQUEST"}, {"LastUpdateToPayPerRequestDateTime", t.created}};
    }
    return d;
  }

  Table& table(const nlohmann::json& body) {
    const std::string name = string_field(body, "TableName", true);
    auto it = tables_.find(name);
    if (it == tables_.end()) not_found(name);
    return it->second;
  }

  nlohmann::json create_table(const Request& request, const nlohmann::json& body) {
    const std::string name = string_field(body, "TableName", true);
    if (name.size() < 3 || name.size() > 255 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos) {
      invalid("1 validation error detected: Value '" + name +
              "' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    }
    if (tables_.count(name)) throw ServiceError(400, kPrefix + "ResourceInUseException", "Table already exists: " + name);
    const auto ks = body.value("KeySchema", nlohmann::json::array());
    const auto ad = body.value("AttributeDefinitions", nlohmann::json::array());
    if (!ks.is_array() || ks.empty() || ks.size() > 2) {
      invalid("1 validation error detected: Value at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2");
    }
    if (ks[0].value("KeyType", "") != "HASH") invalid("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    if (ks.size() == 2 && ks[1].value("KeyType", "") != "RANGE") invalid("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    std::set<std::string> defined;
    for (const auto& d : ad) {
      const std::string type = d.value("AttributeType", "");
      if (type != "S" && type != "N" && type != "B") {
        invalid("1 validation error detected: Value '" + type +
                "' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]");
      }
      defined.insert(d.value("AttributeName", ""));
    }
    for (const auto& k : ks) {
      if (!defined.count(k.value("AttributeName", ""))) {
        invalid("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
                k.value("AttributeName", "") + "], AttributeDefinitions: [" + [&] {
                  std::string s;
                  for (const auto& d : defined) s += (s.empty() ? "" : ", ") + d;
                  return s;
                }() + "]");
      }
    }
    if (defined.size() != ks.size()) {
      invalid("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
    }
    Table t;
    t.name = name;
    const std::string region = request.region.empty() ? context_.default_region : request.region;
    t.arn = fmt::format("arn:aws:dynamodb:{}:{}:table/{}", region, context_.account_id, name);
    std::mt19937_64 rng(std::hash<std::string>{}(name) ^ static_cast<unsigned long long>(context_.clock ? context_.clock->now() : 0));
    t.id = fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", rng() & 0xffffffff, rng() & 0xffff, rng() & 0xffff,
                       rng() & 0xffff, rng() & 0xffffffffffffULL);
    t.created = context_.clock ? context_.clock->now() : 0;
    t.key_schema = ks;
    t.attribute_definitions = ad;
    t.billing_mode = body.value("BillingMode", "PROVISIONED");
    if (t.billing_mode == "PROVISIONED") {
      if (!body.contains("ProvisionedThroughput")) {
        invalid("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
      }
      t.provisioned = body.at("ProvisionedThroughput");
    } else if (t.billing_mode != "PAY_PER_REQUEST") {
      invalid("1 validation error detected: Value '" + t.billing_mode +
              "' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
    }
    set_keys(t);
    auto d = describe(t);
    d["TableStatus"] = "CREATING";   // as AWS answers; DescribeTable shows ACTIVE at once
    tables_.emplace(name, std::move(t));
    return {{"TableDescription", d}};
  }

  nlohmann::json delete_table(const nlohmann::json& body) {
    Table& t = table(body);
    auto d = describe(t);
    d["TableStatus"] = "DELETING";
    tables_.erase(t.name);
    return {{"TableDescription", d}};
  }

  nlohmann::json list_tables(const nlohmann::json& body) {
    const std::string start = string_field(body, "ExclusiveStartTableName");
    const long limit = body.value("Limit", 100);
    nlohmann::json names = nlohmann::json::array();
    std::string last;
    for (auto it = start.empty() ? tables_.begin() : tables_.upper_bound(start); it != tables_.end(); ++it) {
      if (static_cast<long>(names.size()) >= limit) {
        return {{"TableNames", names}, {"LastEvaluatedTableName", last}};
      }
      names.push_back(it->first);
      last = it->first;
    }
    return {{"TableNames", names}};
  }

  // ---- keys and items ----
  static void check_key_value(const Table& t, const KeyDef& def, const nlohmann::json* v, bool in_item) {
    if (!v) {
      if (in_item) invalid("One or more parameter values were invalid: Missing the key " + def.name + " in the item");
      invalid("The provided key element does not match the schema");
    }
    const std::string type = av_type(*v);
    if (type != def.type) {
      if (in_item) invalid("One or more parameter values were invalid: Type mismatch for key " + def.name + " expected: " + def.type + " actual: " + type);
      invalid("The provided key element does not match the schema");
    }
    if ((type == "S" || type == "B") && v->begin().value().get<std::string>().empty()) {
      invalid("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty " +
              std::string(type == "S" ? "string" : "binary") + " value. Key: " + def.name);
    }
    (void)t;
  }

  // The key of `item` (an item, or a Key parameter when is_key: then nothing but the key is allowed).
  static std::pair<nlohmann::json, nlohmann::json> key_of(const Table& t, const nlohmann::json& item, bool is_key) {
    if (!item.is_object()) invalid("The provided key element does not match the schema");
    const auto find = [&](const std::string& n) -> const nlohmann::json* { return item.contains(n) ? &item.at(n) : nullptr; };
    check_key_value(t, t.hash, find(t.hash.name), !is_key);
    if (t.range) check_key_value(t, *t.range, find(t.range->name), !is_key);
    if (is_key && item.size() != (t.range ? 2u : 1u)) invalid("The provided key element does not match the schema");
    return {canonical_av(item.at(t.hash.name)), t.range ? canonical_av(item.at(t.range->name)) : t.range_placeholder()};
  }

  static nlohmann::json key_item(const Table& t, const Item& item) {
    nlohmann::json k = {{t.hash.name, item.at(t.hash.name)}};
    if (t.range) k[t.range->name] = item.at(t.range->name);
    return k;
  }

  static const Item* find_item(const Table& t, const std::pair<nlohmann::json, nlohmann::json>& key) {
    auto p = t.items.find(key.first);
    if (p == t.items.end()) return nullptr;
    auto it = p->second.find(key.second);
    return it == p->second.end() ? nullptr : &it->second;
  }

  static void store(Table& t, const Item& item) {
    auto key = key_of(t, item, false);
    t.items[key.first][key.second] = item;
  }

  static void erase(Table& t, const std::pair<nlohmann::json, nlohmann::json>& key) {
    auto p = t.items.find(key.first);
    if (p == t.items.end()) return;
    p->second.erase(key.second);
    if (p->second.empty()) t.items.erase(p);
  }

  static Item canonical_item(const nlohmann::json& raw) {
    if (!raw.is_object()) invalid("Expected a map for Item");
    Item item = nlohmann::json::object();
    for (const auto& [k, v] : raw.items()) {
      validate_av(v, k);
      item[k] = canonical_av(v);
    }
    if (item_size(item) > kMaxItemBytes) invalid("Item size has exceeded the maximum allowed size");
    return item;
  }

  // Whether the ConditionExpression (if any) holds for the current item (an empty object when there is none).
  static bool condition_holds(const nlohmann::json& body, ExpressionContext& ctx, const Item* current) {
    check_return_on_failure(string_field(body, "ReturnValuesOnConditionCheckFailure"));
    const std::string expr = string_field(body, "ConditionExpression");
    if (expr.empty()) return true;
    const Condition c = parse_condition(expr, ctx);
    static const Item empty = nlohmann::json::object();
    return evaluate(c, current ? *current : empty);
  }

  static void check_condition(const nlohmann::json& body, ExpressionContext& ctx, const Item* current) {
    if (!condition_holds(body, ctx, current)) {
      condition_failed(item_on_failure(string_field(body, "ReturnValuesOnConditionCheckFailure"), current));
    }
  }

  static ExpressionContext context_for(const nlohmann::json& body) {
    return ExpressionContext(object_field(body, "ExpressionAttributeNames"), object_field(body, "ExpressionAttributeValues"));
  }

  static nlohmann::json returned(const std::string& mode, const Item* old_item, const Item* new_item,
                                 const std::vector<UpdateAction>* actions = nullptr) {
    nlohmann::json out = nlohmann::json::object();
    if (mode.empty() || mode == "NONE") return out;
    if (mode == "ALL_OLD") {
      if (old_item) out["Attributes"] = *old_item;
    } else if (mode == "ALL_NEW") {
      if (new_item) out["Attributes"] = *new_item;
    } else if (mode == "UPDATED_OLD" || mode == "UPDATED_NEW") {
      const Item* src = mode == "UPDATED_OLD" ? old_item : new_item;
      if (src && actions) {
        nlohmann::json attrs = nlohmann::json::object();
        for (const auto& a : *actions) {
          const auto& top = a.path.at(0).name;
          if (src->contains(top)) attrs[top] = src->at(top);
        }
        if (!attrs.empty()) out["Attributes"] = attrs;
      }
    } else {
      invalid("1 validation error detected: Value '" + mode +
              "' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
    }
    return out;
  }

  nlohmann::json put_item(const nlohmann::json& body) {
    Table& t = table(body);
    Item item = canonical_item(body.value("Item", nlohmann::json()));
    const auto key = key_of(t, item, false);
    const std::string rv = string_field(body, "ReturnValues");
    if (!rv.empty() && rv != "NONE" && rv != "ALL_OLD") {
      invalid("ReturnValues can only be ALL_OLD or NONE");
    }
    auto ctx = context_for(body);
    const Item* current = find_item(t, key);
    check_condition(body, ctx, current);
    ctx.check_all_used();
    const std::optional<Item> old = current ? std::optional<Item>(*current) : std::nullopt;
    t.items[key.first][key.second] = std::move(item);
    return returned(rv, old ? &*old : nullptr, nullptr);
  }

  nlohmann::json get_item(const nlohmann::json& body) {
    Table& t = table(body);
    const auto key = key_of(t, body.value("Key", nlohmann::json()), true);
    auto ctx = context_for(body);
    std::vector<Path> projection;
    if (const auto p = string_field(body, "ProjectionExpression"); !p.empty()) projection = parse_projection(p, ctx);
    ctx.check_all_used();
    const Item* item = find_item(t, key);
    if (!item) return nlohmann::json::object();
    return {{"Item", projection.empty() ? *item : project(*item, projection)}};
  }

  // The UpdateExpression's actions; a key attribute cannot be updated.
  static std::vector<UpdateAction> update_actions(const Table& t, const nlohmann::json& body, ExpressionContext& ctx) {
    std::vector<UpdateAction> actions;
    if (const auto u = string_field(body, "UpdateExpression"); !u.empty()) actions = parse_update(u, ctx);
    for (const auto& a : actions) {
      const auto& top = a.path.at(0).name;
      if (top == t.hash.name || (t.range && top == t.range->name)) {
        invalid("One or more parameter values were invalid: Cannot update attribute " + top + ". This attribute is part of the key");
      }
    }
    return actions;
  }

  // The item after the actions (a missing item starts as its key).
  static Item updated_item(const nlohmann::json& raw_key, const Item* current, const std::vector<UpdateAction>& actions) {
    Item base = current ? *current : nlohmann::json::object();
    if (!current) {
      for (const auto& [k, v] : raw_key.items()) base[k] = canonical_av(v);
    }
    Item updated = apply_update(base, actions);
    if (item_size(updated) > kMaxItemBytes) invalid("Item size to update has exceeded the maximum allowed size");
    return updated;
  }

  nlohmann::json update_item(const nlohmann::json& body) {
    Table& t = table(body);
    const auto raw_key = body.value("Key", nlohmann::json());
    const auto key = key_of(t, raw_key, true);
    auto ctx = context_for(body);
    const Item* current = find_item(t, key);
    const auto actions = update_actions(t, body, ctx);
    check_condition(body, ctx, current);
    ctx.check_all_used();
    Item updated = updated_item(raw_key, current, actions);
    const std::optional<Item> old = current ? std::optional<Item>(*current) : std::nullopt;
    t.items[key.first][key.second] = updated;
    return returned(string_field(body, "ReturnValues"), old ? &*old : nullptr, &updated, &actions);
  }

  nlohmann::json delete_item(const nlohmann::json& body) {
    Table& t = table(body);
    const auto key = key_of(t, body.value("Key", nlohmann::json()), true);
    const std::string rv = string_field(body, "ReturnValues");
    if (!rv.empty() && rv != "NONE" && rv != "ALL_OLD") invalid("ReturnValues can only be ALL_OLD or NONE");
    auto ctx = context_for(body);
    const Item* current = find_item(t, key);
    check_condition(body, ctx, current);
    ctx.check_all_used();
    const std::optional<Item> old = current ? std::optional<Item>(*current) : std::nullopt;
    erase(t, key);
    return returned(rv, old ? &*old : nullptr, nullptr);
  }

  // ---- Query / Scan ----
  struct KeyCondition {
    nlohmann::json hash_value;
    std::optional<Condition> range;   // on the range key
  };

  static bool is_path_of(const Operand& o, const std::string& name) {
    return o.kind == Operand::Kind::Path && o.path.size() == 1 && o.path[0].name == name;
  }

  static KeyCondition key_condition(const Table& t, const Condition& c) {
    KeyCondition k;
    std::vector<const Condition*> parts;
    if (c.kind == Condition::Kind::And) {
      if (c.children[0].kind == Condition::Kind::And || c.children[1].kind == Condition::Kind::And) {
        invalid("Conditions can be of length 1 or 2 only");
      }
      parts = {&c.children[0], &c.children[1]};
    } else {
      parts = {&c};
    }
    for (const Condition* p : parts) {
      if (p->kind == Condition::Kind::Or || p->kind == Condition::Kind::Not || p->kind == Condition::Kind::In ||
          p->kind == Condition::Kind::Exists || p->kind == Condition::Kind::NotExists || p->kind == Condition::Kind::Contains ||
          p->kind == Condition::Kind::AttributeType) {
        invalid("Invalid operator used in KeyConditionExpression");
      }
      if (p->kind == Condition::Kind::Compare && p->op == "<>") {
        invalid("Unsupported operator in KeyConditionExpression: <>");
      }
      const Operand& subject = p->operands.at(0);
      if (p->kind == Condition::Kind::Compare && p->op == "=" && is_path_of(subject, t.hash.name)) {
        if (p->operands[1].kind != Operand::Kind::Value) invalid("Invalid KeyConditionExpression: the key value must be an expression attribute value");
        k.hash_value = canonical_av(p->operands[1].value);
        if (av_type(k.hash_value) != t.hash.type) invalid("One or more parameter values were invalid: Condition parameter type does not match schema type");
        continue;
      }
      if (t.range && is_path_of(subject, t.range->name)) {
        for (std::size_t i = 1; i < p->operands.size(); ++i) {
          if (p->operands[i].kind == Operand::Kind::Value && av_type(p->operands[i].value) != t.range->type) {
            invalid("One or more parameter values were invalid: Condition parameter type does not match schema type");
          }
        }
        k.range = *p;
        continue;
      }
      const std::string name = subject.path.empty() ? "" : subject.path[0].name;
      invalid("Query condition missed key schema element: " + (k.hash_value.is_null() ? t.hash.name : (t.range ? t.range->name : name)));
    }
    if (k.hash_value.is_null()) invalid("Query condition missed key schema element: " + t.hash.name);
    return k;
  }

  // What one Query or Scan asks for, checked.
  struct PageRequest {
    Table* table = nullptr;
    std::optional<KeyCondition> key_condition;   // Query only
    std::optional<Condition> filter;
    std::vector<Path> projection;
    std::optional<long> limit;
    bool count_only = false;
    bool forward = true;
    std::optional<std::pair<nlohmann::json, nlohmann::json>> start;   // ExclusiveStartKey (hash, range)
  };

  PageRequest page_request(const nlohmann::json& body, bool query) {
    PageRequest r;
    r.table = &table(body);
    if (body.contains("IndexName")) invalid("The table does not have the specified index: " + body.value("IndexName", ""));
    auto ctx = context_for(body);
    if (query) {
      const std::string expr = string_field(body, "KeyConditionExpression");
      if (expr.empty()) invalid("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
      r.key_condition = key_condition(*r.table, parse_condition(expr, ctx, "KeyConditionExpression"));
    }
    if (const auto f = string_field(body, "FilterExpression"); !f.empty()) r.filter = parse_condition(f, ctx, "FilterExpression");
    if (const auto p = string_field(body, "ProjectionExpression"); !p.empty()) r.projection = parse_projection(p, ctx);
    ctx.check_all_used();
    if (body.contains("Limit")) {
      r.limit = body.at("Limit").get<long>();
      if (*r.limit < 1) {
        invalid("1 validation error detected: Value '" + std::to_string(*r.limit) +
                "' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
      }
    }
    r.count_only = body.value("Select", "") == "COUNT";
    r.forward = body.value("ScanIndexForward", true);
    if (body.contains("ExclusiveStartKey") && !body.at("ExclusiveStartKey").is_null()) {
      try {
        r.start = key_of(*r.table, body.at("ExclusiveStartKey"), true);
      } catch (const ServiceError&) {
        invalid("The provided starting key is invalid: The provided key element does not match the schema");
      }
    }
    return r;
  }

  // The candidate items in DynamoDB order, from just after the ExclusiveStartKey.
  static std::vector<const Item*> page_candidates(const PageRequest& r) {
    const Table& t = *r.table;
    std::vector<const Item*> candidates;
    if (r.key_condition) {
      auto p = t.items.find(r.key_condition->hash_value);
      if (p != t.items.end()) {
        for (const auto& [range, item] : p->second) candidates.push_back(&item);
        if (!r.forward) std::reverse(candidates.begin(), candidates.end());
      }
    } else {
      for (const auto& [h, p] : t.items) {
        for (const auto& [range, item] : p) candidates.push_back(&item);
      }
    }
    if (!r.start) return candidates;
    nlohmann::json start_key = {{t.hash.name, r.start->first}};
    if (t.range) start_key[t.range->name] = r.start->second;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (av_equal(nlohmann::json{{"M", key_item(t, *candidates[i])}}, nlohmann::json{{"M", start_key}})) {
        candidates.erase(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(i + 1));
        return candidates;
      }
    }
    return {};
  }

  nlohmann::json read_page(const nlohmann::json& body, bool query) {
    const PageRequest r = page_request(body, query);
    const Table& t = *r.table;
    nlohmann::json items = nlohmann::json::array();
    long evaluated = 0, matched = 0;
    std::size_t bytes = 0;
    const Item* last = nullptr;
    bool more = false;
    for (const Item* candidate : page_candidates(r)) {
      const Item& item = *candidate;
      if (r.key_condition && r.key_condition->range && !evaluate(*r.key_condition->range, item)) continue;
      if ((r.limit && evaluated >= *r.limit) || bytes >= kMaxPageBytes) {
        more = true;
        break;
      }
      ++evaluated;
      bytes += item_size(item);
      last = &item;
      if (r.filter && !evaluate(*r.filter, item)) continue;
      ++matched;
      if (!r.count_only) items.push_back(r.projection.empty() ? item : project(item, r.projection));
    }
    // DynamoDB returns LastEvaluatedKey whenever the Limit or the 1 MB cap stopped the read.
    if (!more && r.limit && evaluated >= *r.limit && last) more = true;
    nlohmann::json out = {{"Count", matched}, {"ScannedCount", evaluated}};
    if (!r.count_only) out["Items"] = items;
    if (more && last) out["LastEvaluatedKey"] = key_item(t, *last);
    return out;
  }

  // ---- TransactWriteItems ----
  // All or nothing (API reference: TransactWriteItems, CancellationReason): every condition is evaluated
  // against the items as they are; if one fails nothing is written and TransactionCanceledException carries
  // one CancellationReason per action in request order ({"Code": "None"} for the others), with the Item when
  // that action asked for ReturnValuesOnConditionCheckFailure=ALL_OLD.
  struct TransactAction {
    Table* table = nullptr;
    std::pair<nlohmann::json, nlohmann::json> key;
    std::optional<Item> write;   // the item afterwards (Put, Update)
    bool erase = false;          // Delete; neither: ConditionCheck
  };

  static std::pair<std::string, const nlohmann::json*> single_action(const nlohmann::json& entry) {
    std::pair<std::string, const nlohmann::json*> found{"", nullptr};
    int n = 0;
    for (const char* kind : {"ConditionCheck", "Put", "Delete", "Update"}) {
      if (entry.is_object() && entry.contains(kind) && entry.at(kind).is_object()) {
        found = {kind, &entry.at(kind)};
        ++n;
      }
    }
    if (n != 1) invalid("TransactItems can only contain one of Check, Put, Update or Delete");
    return found;
  }

  // One action, validated; its reason ({"Code": "None"} when its condition holds).
  nlohmann::json prepare(const std::string& kind, const nlohmann::json& op, TransactAction& a) {
    Table& t = table(op);
    a.table = &t;
    auto ctx = context_for(op);
    if (kind == "Put") {
      a.write = canonical_item(op.value("Item", nlohmann::json()));
      a.key = key_of(t, *a.write, false);
    } else {
      a.key = key_of(t, op.value("Key", nlohmann::json()), true);
    }
    if (kind == "ConditionCheck" && string_field(op, "ConditionExpression").empty()) {
      invalid("1 validation error detected: Value null at 'transactItems.member.conditionCheck.conditionExpression' failed to "
              "satisfy constraint: Member must not be null");
    }
    const Item* current = find_item(t, a.key);
    const auto actions = kind == "Update" ? update_actions(t, op, ctx) : std::vector<UpdateAction>{};
    const bool holds = condition_holds(op, ctx, current);
    ctx.check_all_used();
    if (!holds) {
      nlohmann::json reason = {{"Code", "ConditionalCheckFailed"}, {"Message", kConditionFailedMessage}};
      if (auto item = item_on_failure(string_field(op, "ReturnValuesOnConditionCheckFailure"), current)) reason["Item"] = *item;
      return reason;
    }
    if (kind == "Update") a.write = updated_item(op.value("Key", nlohmann::json()), current, actions);
    a.erase = kind == "Delete";
    return {{"Code", "None"}};
  }

  nlohmann::json transact_write(const nlohmann::json& body) {
    const auto list = body.value("TransactItems", nlohmann::json::array());
    if (!list.is_array() || list.empty() || list.size() > 100) {
      invalid(std::string("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ") +
              (list.is_array() && !list.empty() ? "less than or equal to 100" : "greater than or equal to 1"));
    }
    std::vector<TransactAction> actions(list.size());
    nlohmann::json reasons = nlohmann::json::array();
    std::set<std::string> touched;
    std::string codes;
    bool cancelled = false;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto [kind, op] = single_action(list[i]);
      reasons.push_back(prepare(kind, *op, actions[i]));
      if (!touched.insert(actions[i].table->name + "|" + actions[i].key.first.dump() + "|" + actions[i].key.second.dump()).second) {
        invalid("Transaction request cannot include multiple operations on one item");
      }
      const std::string code = reasons.back().at("Code").get<std::string>();
      cancelled = cancelled || code != "None";
      codes += (codes.empty() ? "" : ", ") + code;
    }
    if (cancelled) {
      throw ErrorWithMembers("TransactionCanceledException",
                             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]",
                             {{"CancellationReasons", reasons}});
    }
    for (auto& a : actions) {
      if (a.erase) erase(*a.table, a.key);
      else if (a.write) a.table->items[a.key.first][a.key.second] = std::move(*a.write);
    }
    return nlohmann::json::object();
  }

  // ---- batches ----
  nlohmann::json batch_write(const nlohmann::json& body) {
    const auto requests = object_field(body, "RequestItems");
    std::size_t total = 0;
    for (const auto& [name, list] : requests.items()) total += list.size();
    if (total == 0) invalid("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null");
    if (total > 25) {
      invalid("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]");
    }
    // Validate everything first: a batch is all or nothing on validation errors.
    struct Op {
      Table* table;
      std::optional<Item> put;
      std::pair<nlohmann::json, nlohmann::json> key;
    };
    std::vector<Op> ops;
    for (const auto& [name, list] : requests.items()) {
      auto it = tables_.find(name);
      if (it == tables_.end()) not_found(name);
      std::set<std::string> seen;
      for (const auto& r : list) {
        Op op{&it->second, std::nullopt, {}};
        if (r.contains("PutRequest")) {
          op.put = canonical_item(r.at("PutRequest").value("Item", nlohmann::json()));
          op.key = key_of(it->second, *op.put, false);
        } else if (r.contains("DeleteRequest")) {
          op.key = key_of(it->second, r.at("DeleteRequest").value("Key", nlohmann::json()), true);
        } else {
          invalid("Supplied AttributeValue has neither PutRequest nor DeleteRequest");
        }
        if (!seen.insert(op.key.first.dump() + "|" + op.key.second.dump()).second) {
          invalid("Provided list of item keys contains duplicates");
        }
        ops.push_back(std::move(op));
      }
    }
    for (auto& op : ops) {
      if (op.put) op.table->items[op.key.first][op.key.second] = std::move(*op.put);
      else erase(*op.table, op.key);
    }
    return {{"UnprocessedItems", nlohmann::json::object()}};
  }

  nlohmann::json batch_get(const nlohmann::json& body) {
    const auto requests = object_field(body, "RequestItems");
    std::size_t total = 0;
    for (const auto& [name, r] : requests.items()) total += r.value("Keys", nlohmann::json::array()).size();
    if (total == 0 || total > 100) {
      invalid("Too many items requested for the BatchGetItem call");
    }
    nlohmann::json responses = nlohmann::json::object();
    for (const auto& [name, r] : requests.items()) {
      auto it = tables_.find(name);
      if (it == tables_.end()) not_found(name);
      auto ctx = context_for(r);
      std::vector<Path> projection;
      if (const auto p = string_field(r, "ProjectionExpression"); !p.empty()) projection = parse_projection(p, ctx);
      ctx.check_all_used();
      nlohmann::json items = nlohmann::json::array();
      std::set<std::string> seen;
      for (const auto& k : r.at("Keys")) {
        const auto key = key_of(it->second, k, true);
        if (!seen.insert(key.first.dump() + "|" + key.second.dump()).second) invalid("Provided list of item keys contains duplicates");
        if (const Item* item = find_item(it->second, key)) items.push_back(projection.empty() ? *item : project(*item, projection));
      }
      responses[name] = items;
    }
    return {{"Responses", responses}, {"UnprocessedKeys", nlohmann::json::object()}};
  }

  StackContext& context_;
  mutable std::mutex mutex_;
  std::map<std::string, Table> tables_;
};

}  // namespace
}  // namespace dynamodb

std::unique_ptr<Service> make_dynamodb_service(StackContext& context) {
  return std::make_unique<dynamodb::DynamoDbService>(context);
}

}  // namespace pingwatch::local
