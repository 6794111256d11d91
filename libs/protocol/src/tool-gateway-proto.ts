/**
 * The gRPC ToolGateway's service definition (docs/gateway.md, "gRPC ToolGateway"). The .proto is
 * data, not code: it ships in this package beside src/ and dist/ and is exported as
 * `@switchyard/protocol/proto/*`, so a process resolves it with
 * `require.resolve(`@switchyard/protocol/${TOOL_GATEWAY_PROTO}`)` from source and from a build alike.
 */
export const TOOL_GATEWAY_PROTO = 'proto/switchyard/tool_gateway/v1/tool_gateway.proto';

/** The service's fully qualified name (package + service), as gRPC puts it in every path. */
export const TOOL_GATEWAY_SERVICE = 'switchyard.toolgateway.v1.ToolGateway';
