import { createRequire } from 'node:module';
import { loadPackageDefinition, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { TOOL_GATEWAY_PROTO } from '@switchyard/protocol';

/** The .proto in @switchyard/protocol, found the way Node finds the package (source tree or install). */
export function toolGatewayProtoPath(): string {
  return createRequire(import.meta.url).resolve(`@switchyard/protocol/${TOOL_GATEWAY_PROTO}`);
}

/**
 * The ToolGateway client constructor, loaded from the .proto at run time (no generated code to
 * keep in step): camelCase fields, `oneofs: true` (a CallToolEvent names the variant it holds),
 * proto3 defaults filled in, `optional` fields left out when unset. Its `service` is what the
 * server registers; tests and benches construct clients from it.
 */
export function toolGatewayClientConstructor(): ServiceClientConstructor {
  const definition = loadSync(toolGatewayProtoPath(), { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const root = loadPackageDefinition(definition) as unknown as { switchyard: { toolgateway: { v1: { ToolGateway: ServiceClientConstructor } } } };
  return root.switchyard.toolgateway.v1.ToolGateway;
}

export function loadToolGatewayService(): ServiceDefinition {
  return toolGatewayClientConstructor().service;
}
