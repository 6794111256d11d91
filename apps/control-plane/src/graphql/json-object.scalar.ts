import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';

function fromLiteral(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(fromLiteral);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, fromLiteral(f.value)]));
    default:
      throw new TypeError(`JSONObject cannot represent ${node.kind}`);
  }
}

function assertObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('JSONObject must be an object');
  }
  return value as Record<string, unknown>;
}

/** A JSON object (not an array or primitive), for open-ended parameters such as router settings. */
export const JSONObjectScalar = new GraphQLScalarType({
  name: 'JSONObject',
  description: 'A JSON object.',
  serialize: assertObject,
  parseValue: assertObject,
  parseLiteral: (node) => assertObject(fromLiteral(node)),
});
