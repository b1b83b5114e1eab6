#include "local/dynamodb/expressions.h"

#include <algorithm>
#include <cctype>

#include "local/dynamodb/reserved_words.h"
#include "local/service.h"

namespace pingwatch::local::dynamodb {

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw ServiceError(400, "com.amazonaws.dynamodb.v20120810#ValidationException", message);
}

struct Token {
  enum class Kind { Word, Name, Value, Number, Symbol, End } kind = Kind::End;
  std::string text;
};

std::vector<Token> tokenize(const std::string& s, const std::string& what) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || c == ':') {
      std::size_t j = i + 1;
      while (j < s.size() && word_char(s[j])) ++j;
      if (j == i + 1) invalid("Invalid " + what + ": Syntax error; token: \"" + std::string(1, c) + "\", near: \"" + s.substr(i, 3) + "\"");
      out.push_back({c == '#' ? Token::Kind::Name : Token::Kind::Value, s.substr(i, j - i)});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      out.push_back({Token::Kind::Number, s.substr(i, j - i)});
      i = j;
    } else if (word_char(c)) {
      std::size_t j = i;
      while (j < s.size() && word_char(s[j])) ++j;
      out.push_back({Token::Kind::Word, s.substr(i, j - i)});
      i = j;
    } else if (c == '<' || c == '>') {
      std::string op(1, c);
      if (i + 1 < s.size() && (s[i + 1] == '=' || (c == '<' && s[i + 1] == '>'))) op += s[i + 1];
      out.push_back({Token::Kind::Symbol, op});
      i += op.size();
    } else if (std::string("=(),.[]+-").find(c) != std::string::npos) {
      out.push_back({Token::Kind::Symbol, std::string(1, c)});
      ++i;
    } else {
      invalid("Invalid " + what + ": Syntax error; token: \"" + std::string(1, c) + "\", near: \"" + s.substr(i, 5) + "\"");
    }
  }
  out.push_back({Token::Kind::End, ""});
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class Parser {
 public:
  Parser(const std::string& text, ExpressionContext& ctx, std::string what)
      : text_(text), tokens_(tokenize(text, what)), ctx_(ctx), what_(std::move(what)) {
    if (text.empty()) invalid("Invalid " + what_ + ": The expression can not be empty;");
  }

  const Token& peek(std::size_t k = 0) const { return tokens_[std::min(pos_ + k, tokens_.size() - 1)]; }
  Token next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  bool at_end() const { return peek().kind == Token::Kind::End; }
  bool is_symbol(const std::string& s, std::size_t k = 0) const { return peek(k).kind == Token::Kind::Symbol && peek(k).text == s; }
  bool is_keyword(const std::string& s, std::size_t k = 0) const { return peek(k).kind == Token::Kind::Word && upper(peek(k).text) == s; }
  [[noreturn]] void syntax() const {
    const auto& t = peek();
    invalid("Invalid " + what_ + ": Syntax error; token: \"" + (t.kind == Token::Kind::End ? "<EOF>" : t.text) +
            "\", near: \"" + text_ + "\"");
  }
  void expect(const std::string& symbol) {
    if (!is_symbol(symbol)) syntax();
    ++pos_;
  }

  Path path() {
    Path p;
    p.push_back({element_name(), -1});
    for (;;) {
      if (is_symbol(".")) {
        ++pos_;
        p.push_back({element_name(), -1});
      } else if (is_symbol("[")) {
        ++pos_;
        if (peek().kind != Token::Kind::Number) syntax();
        p.push_back({"", std::stoi(next().text)});
        expect("]");
      } else {
        return p;
      }
    }
  }

  std::string element_name() {
    const Token t = next();
    if (t.kind == Token::Kind::Name) return ctx_.name(t.text);
    if (t.kind == Token::Kind::Word) {
      // DynamoDB refuses a reserved word as a bare name in every kind of expression: it must be a #placeholder.
      if (is_reserved_word(t.text)) {
        invalid("Invalid " + what_ + ": Attribute name is a reserved keyword; reserved keyword: " + t.text);
      }
      return t.text;
    }
    --pos_;
    syntax();
  }

  Operand operand() {
    if (peek().kind == Token::Kind::Value) return Operand{Operand::Kind::Value, {}, ctx_.value(next().text), {}};
    if (peek().kind == Token::Kind::Word && is_symbol("(", 1)) {
      const std::string fn = peek().text;
      if (fn == "size") {
        pos_ += 2;
        Operand o{Operand::Kind::Size, path(), {}, {}};
        expect(")");
        return o;
      }
      if (fn == "if_not_exists") {
        pos_ += 2;
        Operand o{Operand::Kind::IfNotExists, path(), {}, {}};
        expect(",");
        o.args.push_back(operand());
        expect(")");
        return o;
      }
      if (fn == "list_append") {
        pos_ += 2;
        Operand o{Operand::Kind::ListAppend, {}, {}, {}};
        o.args.push_back(operand());
        expect(",");
        o.args.push_back(operand());
        expect(")");
        return o;
      }
      invalid("Invalid " + what_ + ": Invalid function name; function: " + fn);
    }
    return Operand{Operand::Kind::Path, path(), {}, {}};
  }

  // SET values: operand [+|- operand]
  Operand set_value() {
    Operand left = operand();
    if (is_symbol("+") || is_symbol("-")) {
      const bool plus = next().text == "+";
      Operand o{plus ? Operand::Kind::Plus : Operand::Kind::Minus, {}, {}, {}};
      o.args.push_back(std::move(left));
      o.args.push_back(operand());
      return o;
    }
    return left;
  }

  Condition condition() {
    Condition left = conjunction();
    while (is_keyword("OR")) {
      ++pos_;
      Condition c{Condition::Kind::Or, "", {}, {}};
      c.children.push_back(std::move(left));
      c.children.push_back(conjunction());
      left = std::move(c);
    }
    return left;
  }

  Condition conjunction() {
    Condition left = negation();
    while (is_keyword("AND")) {
      ++pos_;
      Condition c{Condition::Kind::And, "", {}, {}};
      c.children.push_back(std::move(left));
      c.children.push_back(negation());
      left = std::move(c);
    }
    return left;
  }

  Condition negation() {
    if (is_keyword("NOT")) {
      ++pos_;
      Condition c{Condition::Kind::Not, "", {}, {}};
      c.children.push_back(negation());
      return c;
    }
    return primary();
  }

  Condition primary() {
    if (is_symbol("(")) {
      ++pos_;
      Condition c = condition();
      expect(")");
      return c;
    }
    if (peek().kind == Token::Kind::Word && is_symbol("(", 1)) {
      const std::string fn = peek().text;
      static const std::map<std::string, Condition::Kind> functions{
          {"attribute_exists", Condition::Kind::Exists},   {"attribute_not_exists", Condition::Kind::NotExists},
          {"begins_with", Condition::Kind::BeginsWith},    {"contains", Condition::Kind::Contains},
          {"attribute_type", Condition::Kind::AttributeType}};
      if (auto it = functions.find(fn); it != functions.end()) {
        pos_ += 2;
        Condition c{it->second, "", {}, {}};
        c.operands.push_back(Operand{Operand::Kind::Path, path(), {}, {}});
        if (it->second != Condition::Kind::Exists && it->second != Condition::Kind::NotExists) {
          expect(",");
          c.operands.push_back(operand());
        }
        expect(")");
        return c;
      }
      if (fn != "size") invalid("Invalid " + what_ + ": Invalid function name; function: " + fn);
    }
    Operand left = operand();
    if (is_keyword("BETWEEN")) {
      ++pos_;
      Condition c{Condition::Kind::Between, "", {std::move(left)}, {}};
      c.operands.push_back(operand());
      if (!is_keyword("AND")) syntax();
      ++pos_;
      c.operands.push_back(operand());
      return c;
    }
    if (is_keyword("IN")) {
      ++pos_;
      expect("(");
      Condition c{Condition::Kind::In, "", {std::move(left)}, {}};
      c.operands.push_back(operand());
      while (is_symbol(",")) {
        ++pos_;
        c.operands.push_back(operand());
      }
      expect(")");
      return c;
    }
    static const std::set<std::string> comparators{"=", "<>", "<", "<=", ">", ">="};
    if (peek().kind != Token::Kind::Symbol || !comparators.count(peek().text)) syntax();
    Condition c{Condition::Kind::Compare, next().text, {std::move(left)}, {}};
    c.operands.push_back(operand());
    return c;
  }

  std::size_t pos_ = 0;

 private:
  std::string text_;
  std::vector<Token> tokens_;
  ExpressionContext& ctx_;
  std::string what_;
};

const nlohmann::json* child(const nlohmann::json& av, const PathElement& e) {
  const std::string t = av_type(av);
  const auto& v = av.begin().value();
  if (e.index >= 0) {
    if (t != "L" || e.index >= static_cast<int>(v.size())) return nullptr;
    return &v[static_cast<std::size_t>(e.index)];
  }
  if (t != "M" || !v.contains(e.name)) return nullptr;
  return &v.at(e.name);
}

std::string type_of_set_element(const std::string& set_type) { return set_type.substr(0, 1); }

}  // namespace

std::string path_text(const Path& path) {
  std::string s;
  for (const auto& e : path) {
    if (e.index >= 0) s += "[" + std::to_string(e.index) + "]";
    else s += (s.empty() ? "" : ".") + e.name;
  }
  return s;
}

ExpressionContext::ExpressionContext(const nlohmann::json& names, const nlohmann::json& values)
    : names_(names.is_object() ? names : nlohmann::json::object()),
      values_(values.is_object() ? values : nlohmann::json::object()) {
  for (const auto& [k, v] : values_.items()) validate_av(v, "ExpressionAttributeValues " + k);
}

std::string ExpressionContext::name(const std::string& placeholder) {
  if (!names_.contains(placeholder)) {
    invalid("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + placeholder +
            "}; An expression attribute name used in the document path is not defined; attribute name: " + placeholder);
  }
  used_names_.insert(placeholder);
  return names_.at(placeholder).get<std::string>();
}

nlohmann::json ExpressionContext::value(const std::string& placeholder) {
  if (!values_.contains(placeholder)) {
    invalid("Invalid expression: An expression attribute value used in expression is not defined; attribute value: " + placeholder);
  }
  used_values_.insert(placeholder);
  return values_.at(placeholder);
}

void ExpressionContext::check_all_used() const {
  std::string unused;
  for (const auto& [k, v] : names_.items()) {
    if (!used_names_.count(k)) unused += (unused.empty() ? "" : ", ") + k;
  }
  if (!unused.empty()) invalid("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + unused + "}");
  for (const auto& [k, v] : values_.items()) {
    if (!used_values_.count(k)) unused += (unused.empty() ? "" : ", ") + k;
  }
  if (!unused.empty()) invalid("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + unused + "}");
}

Condition parse_condition(const std::string& text, ExpressionContext& context, const std::string& what) {
  Parser p(text, context, what);
  Condition c = p.condition();
  if (!p.at_end()) p.syntax();
  return c;
}

std::vector<UpdateAction> parse_update(const std::string& text, ExpressionContext& context) {
  Parser p(text, context, "UpdateExpression");
  std::vector<UpdateAction> actions;
  std::set<std::string> clauses;
  while (!p.at_end()) {
    if (p.peek().kind != Token::Kind::Word) p.syntax();
    const std::string clause = upper(p.next().text);
    if (clause != "SET" && clause != "REMOVE" && clause != "ADD" && clause != "DELETE") {
      --p.pos_;
      p.syntax();
    }
    if (!clauses.insert(clause).second) {
      invalid("Invalid UpdateExpression: The \"" + clause + "\" section can only be used once in an update expression;");
    }
    for (;;) {
      UpdateAction a;
      a.path = p.path();
      if (clause == "SET") {
        a.kind = UpdateAction::Kind::Set;
        p.expect("=");
        a.value = p.set_value();
      } else if (clause == "REMOVE") {
        a.kind = UpdateAction::Kind::Remove;
      } else {
        a.kind = clause == "ADD" ? UpdateAction::Kind::Add : UpdateAction::Kind::Delete;
        if (p.peek().kind != Token::Kind::Value) p.syntax();
        a.value = Operand{Operand::Kind::Value, {}, context.value(p.next().text), {}};
      }
      actions.push_back(std::move(a));
      if (!p.is_symbol(",")) break;
      ++p.pos_;
    }
  }
  // Two actions on overlapping paths are refused, as DynamoDB does.
  for (std::size_t i = 0; i < actions.size(); ++i) {
    for (std::size_t j = i + 1; j < actions.size(); ++j) {
      const auto a = path_text(actions[i].path), b = path_text(actions[j].path);
      if (a == b || b.rfind(a + ".", 0) == 0 || a.rfind(b + ".", 0) == 0 || b.rfind(a + "[", 0) == 0 || a.rfind(b + "[", 0) == 0) {
        invalid("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [" +
                a + "], path two: [" + b + "]");
      }
    }
  }
  return actions;
}

std::vector<Path> parse_projection(const std::string& text, ExpressionContext& context) {
  Parser p(text, context, "ProjectionExpression");
  std::vector<Path> paths;
  for (;;) {
    paths.push_back(p.path());
    if (!p.is_symbol(",")) break;
    ++p.pos_;
  }
  if (!p.at_end()) p.syntax();
  return paths;
}

std::optional<nlohmann::json> get_path(const Item& item, const Path& path) {
  if (path.empty() || path[0].index >= 0 || !item.contains(path[0].name)) return std::nullopt;
  const nlohmann::json* cur = &item.at(path[0].name);
  for (std::size_t i = 1; i < path.size(); ++i) {
    cur = child(*cur, path[i]);
    if (!cur) return std::nullopt;
  }
  return *cur;
}

std::optional<nlohmann::json> resolve(const Operand& o, const Item& item) {
  switch (o.kind) {
    case Operand::Kind::Value: return o.value;
    case Operand::Kind::Path: return get_path(item, o.path);
    case Operand::Kind::Size: {
      auto v = get_path(item, o.path);
      if (!v) return std::nullopt;
      const std::string t = av_type(*v);
      const auto& x = v->begin().value();
      std::size_t n = 0;
      if (t == "S") n = x.get<std::string>().size();
      else if (t == "B") n = base64_decode(x.get<std::string>()).size();
      else if (t == "M" || t == "L" || t == "SS" || t == "NS" || t == "BS") n = x.size();
      else return std::nullopt;
      return nlohmann::json{{"N", std::to_string(n)}};
    }
    case Operand::Kind::IfNotExists: {
      auto v = get_path(item, o.path);
      return v ? v : resolve(o.args.at(0), item);
    }
    case Operand::Kind::ListAppend: {
      auto a = resolve(o.args.at(0), item), b = resolve(o.args.at(1), item);
      if (!a || !b || av_type(*a) != "L" || av_type(*b) != "L") {
        invalid("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: " +
                (a ? av_type(*a) : std::string("NULL")));
      }
      nlohmann::json l = a->at("L");
      for (const auto& x : b->at("L")) l.push_back(x);
      return nlohmann::json{{"L", l}};
    }
    case Operand::Kind::Plus:
    case Operand::Kind::Minus: {
      auto a = resolve(o.args.at(0), item), b = resolve(o.args.at(1), item);
      if (!a || !b) invalid("The provided expression refers to an attribute that does not exist in the item");
      if (av_type(*a) != "N" || av_type(*b) != "N") {
        invalid(std::string("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ") +
                (o.kind == Operand::Kind::Plus ? "ADD" : "SUBTRACT") + ", operand type: " + (av_type(*a) != "N" ? av_type(*a) : av_type(*b)));
      }
      return nlohmann::json{{"N", add_numbers(a->at("N").get<std::string>(), b->at("N").get<std::string>(), o.kind == Operand::Kind::Minus)}};
    }
  }
  return std::nullopt;
}

bool evaluate(const Condition& c, const Item& item) {
  switch (c.kind) {
    case Condition::Kind::And: return evaluate(c.children[0], item) && evaluate(c.children[1], item);
    case Condition::Kind::Or: return evaluate(c.children[0], item) || evaluate(c.children[1], item);
    case Condition::Kind::Not: return !evaluate(c.children[0], item);
    case Condition::Kind::Exists: return get_path(item, c.operands[0].path).has_value();
    case Condition::Kind::NotExists: return !get_path(item, c.operands[0].path).has_value();
    case Condition::Kind::AttributeType: {
      auto v = get_path(item, c.operands[0].path);
      auto t = resolve(c.operands[1], item);
      return v && t && av_type(*t) == "S" && av_type(*v) == t->at("S").get<std::string>();
    }
    case Condition::Kind::BeginsWith: {
      auto v = get_path(item, c.operands[0].path);
      auto p = resolve(c.operands[1], item);
      if (!v || !p) return false;
      const std::string tv = av_type(*v), tp = av_type(*p);
      if (tv != tp || (tv != "S" && tv != "B")) return false;
      const std::string a = tv == "B" ? base64_decode(v->at("B").get<std::string>()) : v->at("S").get<std::string>();
      const std::string b = tp == "B" ? base64_decode(p->at("B").get<std::string>()) : p->at("S").get<std::string>();
      return a.rfind(b, 0) == 0;
    }
    case Condition::Kind::Contains: {
      auto v = get_path(item, c.operands[0].path);
      auto x = resolve(c.operands[1], item);
      if (!v || !x) return false;
      const std::string tv = av_type(*v);
      if (tv == "S" && av_type(*x) == "S") return v->at("S").get<std::string>().find(x->at("S").get<std::string>()) != std::string::npos;
      if (tv == "SS" || tv == "NS" || tv == "BS") {
        if (av_type(*x) != type_of_set_element(tv)) return false;
        for (const auto& e : v->begin().value()) {
          if (av_equal(nlohmann::json{{type_of_set_element(tv), e}}, *x)) return true;
        }
        return false;
      }
      if (tv == "L") {
        for (const auto& e : v->at("L")) {
          if (av_equal(e, *x)) return true;
        }
      }
      return false;
    }
    case Condition::Kind::Between: {
      auto v = resolve(c.operands[0], item), lo = resolve(c.operands[1], item), hi = resolve(c.operands[2], item);
      if (!v || !lo || !hi) return false;
      auto a = av_compare(*v, *lo), b = av_compare(*v, *hi);
      return a && b && *a >= 0 && *b <= 0;
    }
    case Condition::Kind::In: {
      auto v = resolve(c.operands[0], item);
      if (!v) return false;
      for (std::size_t i = 1; i < c.operands.size(); ++i) {
        auto x = resolve(c.operands[i], item);
        if (x && av_equal(*v, *x)) return true;
      }
      return false;
    }
    case Condition::Kind::Compare: {
      auto a = resolve(c.operands[0], item), b = resolve(c.operands[1], item);
      if (!a || !b) return false;   // a missing attribute compares false, even with <>
      if (c.op == "=") return av_equal(*a, *b);
      if (c.op == "<>") return !av_equal(*a, *b);
      auto r = av_compare(*a, *b);
      if (!r) return false;
      if (c.op == "<") return *r < 0;
      if (c.op == "<=") return *r <= 0;
      if (c.op == ">") return *r > 0;
      return *r >= 0;
    }
  }
  return false;
}

namespace {

// Write `value` at `path` (creating the last element only, as DynamoDB does).
void set_path(Item& item, const Path& path, const nlohmann::json& value) {
  if (path.size() == 1) {
    item[path[0].name] = value;
    return;
  }
  if (!item.contains(path[0].name)) invalid("The document path provided in the update expression is invalid for update");
  nlohmann::json* cur = &item[path[0].name];
  for (std::size_t i = 1; i + 1 < path.size(); ++i) {
    const std::string t = av_type(*cur);
    auto& v = cur->begin().value();
    if (path[i].index >= 0) {
      if (t != "L" || path[i].index >= static_cast<int>(v.size())) invalid("The document path provided in the update expression is invalid for update");
      cur = &v[static_cast<std::size_t>(path[i].index)];
    } else {
      if (t != "M" || !v.contains(path[i].name)) invalid("The document path provided in the update expression is invalid for update");
      cur = &v[path[i].name];
    }
  }
  const auto& last = path.back();
  const std::string t = av_type(*cur);
  auto& v = cur->begin().value();
  if (last.index >= 0) {
    if (t != "L") invalid("The document path provided in the update expression is invalid for update");
    if (last.index >= static_cast<int>(v.size())) v.push_back(value);   // past the end: appended
    else v[static_cast<std::size_t>(last.index)] = value;
  } else {
    if (t != "M") invalid("The document path provided in the update expression is invalid for update");
    v[last.name] = value;
  }
}

void remove_path(Item& item, const Path& path) {
  if (path.size() == 1) {
    item.erase(path[0].name);
    return;
  }
  if (!item.contains(path[0].name)) return;
  nlohmann::json* cur = &item[path[0].name];
  for (std::size_t i = 1; i + 1 < path.size(); ++i) {
    const nlohmann::json* c = child(*cur, path[i]);
    if (!c) return;
    cur = const_cast<nlohmann::json*>(c);
  }
  auto& v = cur->begin().value();
  const auto& last = path.back();
  if (last.index >= 0 && v.is_array() && last.index < static_cast<int>(v.size())) {
    v.erase(static_cast<std::size_t>(last.index));
  } else if (last.index < 0 && v.is_object()) {
    v.erase(last.name);
  }
}

}  // namespace

Item apply_update(const Item& original, const std::vector<UpdateAction>& actions) {
  Item item = original;
  for (const auto& a : actions) {
    switch (a.kind) {
      case UpdateAction::Kind::Set: {
        // Operands read the item as it was before this update.
        auto v = resolve(a.value, original);
        if (!v) invalid("The provided expression refers to an attribute that does not exist in the item");
        set_path(item, a.path, canonical_av(*v));
        break;
      }
      case UpdateAction::Kind::Remove: remove_path(item, a.path); break;
      case UpdateAction::Kind::Add:
      case UpdateAction::Kind::Delete: {
        const auto& v = a.value.value;
        const std::string tv = av_type(v);
        auto cur = get_path(item, a.path);
        if (a.kind == UpdateAction::Kind::Add) {
          if (tv != "N" && tv != "SS" && tv != "NS" && tv != "BS") {
            invalid("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: " + tv);
          }
          if (!cur) {
            set_path(item, a.path, canonical_av(v));
          } else if (tv == "N") {
            if (av_type(*cur) != "N") invalid("An operand in the update expression has an incorrect data type");
            set_path(item, a.path, {{"N", add_numbers(cur->at("N").get<std::string>(), v.at("N").get<std::string>())}});
          } else {
            if (av_type(*cur) != tv) invalid("An operand in the update expression has an incorrect data type");
            nlohmann::json merged = cur->at(tv);
            for (const auto& e : v.at(tv)) {
              const bool present = std::any_of(merged.begin(), merged.end(), [&](const nlohmann::json& m) {
                return av_equal(nlohmann::json{{tv, nlohmann::json::array({m})}}, nlohmann::json{{tv, nlohmann::json::array({e})}});
              });
              if (!present) merged.push_back(e);
            }
            set_path(item, a.path, canonical_av(nlohmann::json{{tv, merged}}));
          }
        } else {
          if (tv != "SS" && tv != "NS" && tv != "BS") {
            invalid("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: " + tv);
          }
          if (!cur) break;
          if (av_type(*cur) != tv) invalid("An operand in the update expression has an incorrect data type");
          nlohmann::json kept = nlohmann::json::array();
          for (const auto& m : cur->at(tv)) {
            const bool drop = std::any_of(v.at(tv).begin(), v.at(tv).end(), [&](const nlohmann::json& e) {
              return av_equal(nlohmann::json{{tv, nlohmann::json::array({m})}}, nlohmann::json{{tv, nlohmann::json::array({e})}});
            });
            if (!drop) kept.push_back(m);
          }
          if (kept.empty()) remove_path(item, a.path);   // an empty set is removed
          else set_path(item, a.path, nlohmann::json{{tv, kept}});
        }
        break;
      }
    }
  }
  return item;
}

Item project(const Item& item, const std::vector<Path>& paths) {
  Item out = nlohmann::json::object();
  for (const auto& p : paths) {
    auto v = get_path(item, p);
    if (!v) continue;
    if (p.size() == 1) {
      out[p[0].name] = *v;
      continue;
    }
    // Nested projections keep the enclosing structure down to the projected element.
    nlohmann::json* cur = &out;
    const nlohmann::json* src = &item.at(p[0].name);
    std::string key = p[0].name;
    for (std::size_t i = 1; i < p.size(); ++i) {
      const std::string t = av_type(*src);
      if (!cur->contains(key)) (*cur)[key] = nlohmann::json{{t, t == "M" ? nlohmann::json::object() : nlohmann::json::array()}};
      nlohmann::json& container = (*cur)[key][t];
      src = child(*src, p[i]);
      if (p[i].index >= 0) {
        container.push_back(i + 1 == p.size() ? *src : nlohmann::json{});
        cur = nullptr;
        break;
      }
      if (i + 1 == p.size()) {
        container[p[i].name] = *src;
      } else {
        cur = &container;
        key = p[i].name;
      }
    }
  }
  return out;
}

}  // namespace pingwatch::local::dynamodb
