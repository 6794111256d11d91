import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/** A value of the given input type that passes GraphQL's own type checks (not our validation). */
export function sampleValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return [sampleValue(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) value[field.name] = sampleValue(field.type);
    }
    return value;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return '00000000-0000-7000-8000-000000000000';
      case 'Int':
      case 'Float':
        return 1;
      case 'Boolean':
        return false;
      case 'DateTime':
        return new Date().toISOString();
      case 'JSONObject':
        return {};
      default:
        return 'x';
    }
  }
  throw new Error(`no sample for input type ${String(type)}`);
}

export interface FieldOperation {
  field: string;
  query: string;
  variables: Record<string, unknown>;
}

/** One operation per root field of `Query` or `Mutation`, with every argument supplied. */
export function rootFieldOperations(schema: GraphQLSchema, root: 'query' | 'mutation'): FieldOperation[] {
  const type = root === 'query' ? schema.getQueryType() : schema.getMutationType();
  if (!type) return [];
  return Object.values(type.getFields()).map((field) => operationFor(root, field));
}

function operationFor(root: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): FieldOperation {
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const argumentsList: string[] = [];
  field.args.forEach((arg, index) => {
    const variable = `a${index}`;
    declarations.push(`$${variable}: ${String(arg.type)}`);
    argumentsList.push(`${arg.name}: $${variable}`);
    variables[variable] = sampleValue(arg.type);
  });
  const named = getNamedType(field.type);
  const selection = isObjectType(named) || isInterfaceType(named) || isUnionType(named) ? ' { __typename }' : '';
  const head = declarations.length ? `(${declarations.join(', ')})` : '';
  const args = argumentsList.length ? `(${argumentsList.join(', ')})` : '';
  return { field: field.name, query: `${root} Probe${head} { ${field.name}${args}${selection} }`, variables };
}
