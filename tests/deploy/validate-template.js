#!/usr/bin/env node
// Validates a CloudFormation template with cfn-lint (the npm validator: template structure, parameters,
// Ref/GetAtt/Sub resolution, intrinsic function arguments, property types) against CURRENT resource
// definitions: cfn-lint's bundled resource specification dates from 2019 (no AWS::Lambda::EventInvokeConfig,
// no Lambda Architectures), so every resource type the template uses is replaced, before validation, by
// its definition from @aws-cdk/aws-service-spec (the CloudFormation registry schemas, pinned in package.json).
//
// usage: node validate-template.js TEMPLATE [Name=Value ...]      exit 0 valid, 1 invalid, 2 cannot run
'use strict';
const fs = require('fs');
const path = require('path');

function fail(code, message) {
  process.stderr.write(message + '\n');
  process.exit(code);
}

let awsData, cfnLint, yaml, loadAwsServiceSpecSync;
try {
  awsData = require('cfn-lint/lib/awsData');
  cfnLint = require('cfn-lint/lib/api');
  yaml = require('js-yaml');   // cfn-lint's own YAML parser (its dependency)
  ({ loadAwsServiceSpecSync } = require('@aws-cdk/aws-service-spec'));
} catch (e) {
  fail(2, `validate-template: npm packages missing in ${__dirname} (run scripts/setup.sh, or npm ci there): ${e.message}`);
}

const [templatePath, ...paramArgs] = process.argv.slice(2);
if (!templatePath) fail(2, 'usage: node validate-template.js TEMPLATE [Name=Value ...]');

// ---- which resource types does the template use? (a YAML load that ignores the !Ref/!Sub tags' meaning)
const cfnTags = ['Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap',
  'Base64', 'Cidr', 'GetAZs', 'ImportValue', 'Condition', 'Transform'];
const types = [];
for (const tag of cfnTags) {
  for (const kind of ['scalar', 'sequence', 'mapping']) types.push(new yaml.Type('!' + tag, { kind, construct: (d) => d }));
}
const schema = yaml.Schema.create ? yaml.Schema.create(types) : yaml.DEFAULT_SCHEMA.extend(types);
const template = yaml.load(fs.readFileSync(templatePath, 'utf8'), { schema });
const usedTypes = [...new Set(Object.values(template.Resources || {}).map((r) => r.Type))];

// ---- current definitions from the service spec, in the old resource-specification shape cfn-lint reads
const db = loadAwsServiceSpecSync();
const primitive = { string: 'String', integer: 'Integer', number: 'Double', boolean: 'Boolean', json: 'Json' };

function convertType(cfnType, t, spec, out) {
  // returns the fields of a property entry describing type t
  switch (t.type) {
    case 'string': case 'integer': case 'number': case 'boolean': case 'json':
      return { PrimitiveType: primitive[t.type] };
    case 'date-time':
      return { PrimitiveType: 'Timestamp' };
    case 'tag':
      return { Type: 'Tag' };
    case 'ref': {
      const def = db.get('typeDefinition', t.reference.$ref);
      const name = def.name;
      const key = `${cfnType}.${name}`;
      if (!out.PropertyTypes[key]) {
        out.PropertyTypes[key] = { Documentation: '', Properties: {} };   // placeholder first: recursive types
        out.PropertyTypes[key].Properties = convertProperties(cfnType, def.properties || {}, spec, out);
      }
      return { Type: name };
    }
    case 'array': case 'map': {
      const item = convertType(cfnType, t.element, spec, out);
      const agg = { Type: t.type === 'array' ? 'List' : 'Map' };
      if (item.PrimitiveType) agg.PrimitiveItemType = item.PrimitiveType;
      else if (item.Type === 'List' || item.Type === 'Map') agg.PrimitiveItemType = 'Json';   // nested aggregate
      else agg.ItemType = item.Type;
      return agg;
    }
    case 'union': {   // e.g. DynamoDB KeySchema = KeySchema[] | json: check the list form, which templates use
      const list = (t.types || []).find((u) => u.type === 'array');
      if (list) return convertType(cfnType, list, spec, out);
      return { PrimitiveType: 'Json' };
    }
    default:   // anything newer: accept any JSON value rather than reject a valid template
      return { PrimitiveType: 'Json' };
  }
}

function convertProperties(cfnType, props, spec, out) {
  const result = {};
  for (const [name, p] of Object.entries(props)) {
    result[name] = Object.assign({ Documentation: '', Required: !!p.required, UpdateType: 'Mutable' },
      convertType(cfnType, p.type, spec, out));
  }
  return result;
}

const spec = awsData.awsResources;
const unknownTypes = [];
for (const cfnType of usedTypes) {
  const found = db.lookup('resource', 'cloudFormationType', 'equals', cfnType);
  if (found.length === 0) { unknownTypes.push(cfnType); continue; }
  const res = found[0];
  const out = { PropertyTypes: {} };
  const entry = { Documentation: '', Properties: convertProperties(cfnType, res.properties || {}, spec, out), Attributes: {} };
  for (const [name, a] of Object.entries(res.attributes || {})) {
    const conv = convertType(cfnType, a.type, spec, out);
    entry.Attributes[name] = conv.PrimitiveType ? { PrimitiveType: conv.PrimitiveType } : { PrimitiveType: 'Json' };
  }
  spec.ResourceTypes[cfnType] = entry;
  for (const key of Object.keys(spec.PropertyTypes)) {
    if (key.startsWith(cfnType + '.')) delete spec.PropertyTypes[key];
  }
  Object.assign(spec.PropertyTypes, out.PropertyTypes);
}
if (!spec.PropertyTypes.Tag) {
  spec.PropertyTypes.Tag = { Documentation: '', Properties: {
    Key: { PrimitiveType: 'String', Required: true, UpdateType: 'Mutable', Documentation: '' },
    Value: { PrimitiveType: 'String', Required: true, UpdateType: 'Mutable', Documentation: '' } } };
}

// ---- cfn-lint
const parameters = {};
for (const arg of paramArgs) {
  const eq = arg.indexOf('=');
  if (eq < 1) fail(2, `validate-template: parameter "${arg}" is not Name=Value`);
  parameters[arg.slice(0, eq)] = arg.slice(eq + 1);
}
const result = cfnLint.validateFile(path.resolve(templatePath), { parameters, guessParameters: [] });

const crit = result.errors.crit.slice();
for (const t of unknownTypes) crit.push({ resource: t, message: `resource type ${t} is not in @aws-cdk/aws-service-spec` });
for (const e of crit) process.stdout.write(`CRIT ${e.resource}: ${e.message}\n`);
for (const e of result.errors.warn) process.stdout.write(`WARN ${e.resource}: ${e.message}\n`);
process.stdout.write(`validate-template: ${usedTypes.length} resource types checked against the service spec; ` +
  `${crit.length} critical, ${result.errors.warn.length} warnings; ${crit.length === 0 ? 'valid' : 'INVALID'}\n`);
process.exit(crit.length === 0 ? 0 : 1);
