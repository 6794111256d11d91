import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { operationDepth } from './limits.plugin.js';

function depthOf(source: string): number {
  const document = parse(source);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    if (definition.kind === Kind.OPERATION_DEFINITION) operation = definition;
  }
  return operationDepth(operation!.selectionSet, fragments);
}

describe('operationDepth', () => {
  it('counts nested fields', () => {
    expect(depthOf('{ a }')).toBe(1);
    expect(depthOf('{ a { b { c } } d }')).toBe(3);
  });

  it('follows fragments and inline fragments', () => {
    expect(depthOf('query { a { ...F } } fragment F on T { b { c { d } } }')).toBe(4);
    expect(depthOf('{ a { ... on T { b { c } } } }')).toBe(3);
  });

  it('does not loop on self-referencing fragments', () => {
    expect(depthOf('query { a { ...F } } fragment F on T { b { ...F } }')).toBe(2);
  });

  it('ignores introspection so tools can still read the schema', () => {
    expect(depthOf('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }')).toBe(0);
  });
});
