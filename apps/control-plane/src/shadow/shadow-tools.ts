// The shadow allow-list as an operator gives it: tool names as the server lists them.
import type { FieldProblem } from '@switchyard/protocol';

export const MAX_SHADOW_TOOLS = 100;
const MAX_TOOL_NAME = 128;

/** Sorted, without duplicates; problems name the path (`shadowTools.2`). */
export function normalizeShadowTools(tools: readonly string[], path = 'shadowTools'): { tools: string[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (tools.length > MAX_SHADOW_TOOLS) problems.push({ path, message: `at most ${MAX_SHADOW_TOOLS} tools` });
  tools.forEach((tool, i) => {
    if (tool.trim() === '' || tool !== tool.trim()) problems.push({ path: `${path}.${i}`, message: 'must be a tool name without surrounding spaces' });
    else if (tool.length > MAX_TOOL_NAME) problems.push({ path: `${path}.${i}`, message: `at most ${MAX_TOOL_NAME} characters` });
  });
  return { tools: [...new Set(tools)].sort(), problems };
}
