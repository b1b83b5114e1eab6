#!/usr/bin/env python3
"""The local stack's DynamoDB against AWS's documented behaviour and moto's, with boto3 1.43:
- data/dynamodb-reserved-words.txt (AWS's "Reserved words in DynamoDB", compiled into pingwatch) is compared
  with moto's copy (moto/dynamodb/parsing/reserved_keywords.txt); any difference is listed (AWS's page wins).
- a reserved word used bare in each kind of expression is refused with AWS's exact ValidationException text
  ("Invalid <Kind>Expression: Attribute name is a reserved keyword; reserved keyword: <word>"); moto's text is
  shown beside it, and where moto differs the difference is printed (real DynamoDB's text wins).
- ReturnValuesOnConditionCheckFailure=ALL_OLD: a failed PutItem/UpdateItem/DeleteItem condition carries the
  item in the error (e.response["Item"]), on both; in TransactWriteItems the failed action's CancellationReason
  carries it (BatchWriteItem takes no conditions: nothing to return there)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check, skip  # noqa: E402

SOURCE = os.environ.get("PINGWATCH_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def repo_words():
    with open(os.path.join(SOURCE, "data", "dynamodb-reserved-words.txt")) as f:
        return [w.strip() for w in f if w.strip() and not w.startswith("#")]


def moto_words():
    import moto.dynamodb.parsing as parsing
    with open(os.path.join(os.path.dirname(parsing.__file__), "reserved_keywords.txt")) as f:
        return f.read().split()


def compare_lists():
    ours = repo_words()
    check(len(ours) == 573 and len(set(ours)) == 573, "the repo's list holds AWS's 573 reserved words", str(len(ours)))
    check(ours == sorted(ours), "the repo's list is in AWS's (alphabetical) order")
    theirs = moto_words()
    only_ours, only_moto = sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))
    if only_ours or only_moto:
        print(f"difference with moto's list (AWS's page wins): only in ours {only_ours}, only in moto's {only_moto}")
    check(not only_ours and not only_moto, "moto's reserved_keywords.txt holds the same words as the repo's list",
          f"only ours {only_ours}; only moto {only_moto}")


def make_table(ddb):
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}])
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "7"}})


TABLE = "reserved-words"
KEY = {"pk": {"S": "a"}, "sk": {"S": "1"}}
# (operation, parameters, expression kind, the word)
RESERVED_CASES = [
    ("update_item", dict(Key=KEY, UpdateExpression="SET baseline = :b, cycle = :c",
                         ExpressionAttributeValues={":b": {"N": "1"}, ":c": {"N": "2"}}), "UpdateExpression", "cycle"),
    ("put_item", dict(Item={"pk": {"S": "a"}, "sk": {"S": "2"}}, ConditionExpression="attribute_not_exists(name)"),
     "ConditionExpression", "name"),
    ("delete_item", dict(Key=KEY, ConditionExpression="status = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
     "ConditionExpression", "status"),
    ("query", dict(KeyConditionExpression="pk = :p", FilterExpression="size(data) > :z",
                   ExpressionAttributeValues={":p": {"S": "a"}, ":z": {"N": "0"}}), "FilterExpression", "data"),
    ("scan", dict(FilterExpression="attribute_exists(comment)"), "FilterExpression", "comment"),
    ("get_item", dict(Key=KEY, ProjectionExpression="year"), "ProjectionExpression", "year"),
]


def error_of(ddb, op, params):
    from botocore.exceptions import ClientError
    try:
        getattr(ddb, op)(TableName=TABLE, **params)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response
    return None, None, None


def reserved_words_refused(local, moto):
    for op, params, kind, word in RESERVED_CASES:
        want = f"Invalid {kind}: Attribute name is a reserved keyword; reserved keyword: {word}"
        code, message, _ = error_of(local, op, params)
        check(code == "ValidationException" and message == want, f"local {op}: {want}", f"{code}: {message}")
        mcode, mmessage, _ = error_of(moto, op, params)
        if (mcode, mmessage) != (code, message):
            print(f"  moto differs on {op} {kind}: {mcode}: {mmessage} (real DynamoDB answers {want!r})")
    # A hash key named with a reserved word: KeyConditionExpression (real DynamoDB: aws/aws-sdk-php#1233).
    local.create_table(TableName="hashed", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "hash", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "hash", "AttributeType": "S"}])
    from botocore.exceptions import ClientError
    try:
        local.query(TableName="hashed", KeyConditionExpression="hash = :h", ExpressionAttributeValues={":h": {"S": "x"}})
        check(False, "local query with a bare reserved key name is refused")
    except ClientError as e:
        check(e.response["Error"]["Message"] ==
              "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: hash",
              "local KeyConditionExpression: reserved word refused with AWS's text", e.response["Error"]["Message"])
    # Through a placeholder the same name is fine, on both.
    for name, ddb in (("local", local), ("moto", moto)):
        r = ddb.update_item(TableName=TABLE, Key=KEY, UpdateExpression="SET #c = :c", ExpressionAttributeNames={"#c": "cycle"},
                            ExpressionAttributeValues={":c": {"N": "2"}}, ReturnValues="ALL_NEW")
        check(r["Attributes"]["cycle"] == {"N": "2"}, f"{name}: `cycle` through #placeholder is accepted")


def condition_failure_returns_item(name, ddb):
    from botocore.exceptions import ClientError
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "c"}, "sk": {"S": "1"}, "n": {"N": "7"}})
    key = {"pk": {"S": "c"}, "sk": {"S": "1"}}
    cond = dict(ConditionExpression="#n = :zero", ExpressionAttributeNames={"#n": "n"},
                ExpressionAttributeValues={":zero": {"N": "0"}}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    calls = [("put_item", dict(Item={**key, "n": {"N": "8"}})),
             ("update_item", dict(Key=key, UpdateExpression="SET #n = :zero")),
             ("delete_item", dict(Key=key))]
    for op, params in calls:
        try:
            getattr(ddb, op)(TableName=TABLE, **params, **cond)
            check(False, f"{name} {op}: the condition fails")
        except ClientError as e:
            check(e.response["Error"]["Code"] == "ConditionalCheckFailedException",
                  f"{name} {op}: ConditionalCheckFailedException", e.response["Error"]["Code"])
            check(e.response.get("Item") == {**key, "n": {"N": "7"}},
                  f"{name} {op}: ALL_OLD returns the item in the error (e.response['Item'])", str(e.response.get("Item")))
        try:
            getattr(ddb, op)(TableName=TABLE, **params, **{k: v for k, v in cond.items() if k != "ReturnValuesOnConditionCheckFailure"})
        except ClientError as e:
            check("Item" not in e.response, f"{name} {op}: without ALL_OLD the error has no Item", str(e.response.get("Item")))


def transaction_reasons(name, ddb):
    """TransactWriteItems: a failed ConditionCheck cancels all; its CancellationReason carries the item (ALL_OLD)."""
    from botocore.exceptions import ClientError
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "t"}, "sk": {"S": "1"}, "n": {"N": "5"}})
    check_key = {"pk": {"S": "t"}, "sk": {"S": "1"}}
    items = [{"Put": {"TableName": TABLE, "Item": {"pk": {"S": "t"}, "sk": {"S": "2"}}}},
             {"ConditionCheck": {"TableName": TABLE, "Key": check_key, "ConditionExpression": "#n = :v",
                                 "ExpressionAttributeNames": {"#n": "n"}, "ExpressionAttributeValues": {":v": {"N": "0"}},
                                 "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}]
    try:
        ddb.transact_write_items(TransactItems=items)
        check(False, f"{name} transact_write_items: the condition fails")
    except ClientError as e:
        reasons = e.response.get("CancellationReasons", [])
        check(e.response["Error"]["Code"] == "TransactionCanceledException", f"{name}: TransactionCanceledException",
              e.response["Error"]["Code"])
        check([r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"], f"{name}: one reason per action, in order",
              str(reasons))
        check(len(reasons) == 2 and reasons[1].get("Item") == {**check_key, "n": {"N": "5"}},
              f"{name}: the failed action's reason carries the item (ALL_OLD)", str(reasons))
    check("Item" not in ddb.get_item(TableName=TABLE, Key={"pk": {"S": "t"}, "sk": {"S": "2"}}),
          f"{name}: a cancelled transaction writes nothing")


def main():
    why = pwtest.moto_available(module=True, min_botocore=(1, 43))
    if why:
        skip(why)
    compare_lists()
    with pwtest.MotoServer() as moto_server, pwtest.LocalStack("--nodes", 1) as stack:
        local = pwtest.boto3_client("dynamodb", stack.url)
        moto = pwtest.boto3_client("dynamodb", moto_server.url)
        make_table(local)
        make_table(moto)
        reserved_words_refused(local, moto)
        for name, ddb in (("local", local), ("moto", moto)):
            condition_failure_returns_item(name, ddb)
            transaction_reasons(name, ddb)
    pwtest.done()


if __name__ == "__main__":
    main()
