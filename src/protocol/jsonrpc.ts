// JSON-RPC 2.0 envelope types and the error codes aiosd answers with.
// Data only: nothing here may be a function that crosses the socket.

export type RpcId = string | number;

export interface RpcRequest {
  jsonrpc: '2.0';
  id: RpcId;
  method: string;
  params?: unknown;
}

export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface RpcSuccess {
  jsonrpc: '2.0';
  id: RpcId;
  result: unknown;
}

export interface RpcFailure {
  jsonrpc: '2.0';
  id: RpcId | null;
  error: RpcErrorObject;
}

export type RpcResponse = RpcSuccess | RpcFailure;
export type RpcMessage = RpcRequest | RpcNotification | RpcResponse;

/** Standard JSON-RPC codes, then aiOS's own in the server-error range. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  FrameTooLarge: -32001,
  NotInitialized: -32002,
  Unauthorized: -32003,
  NotFound: -32004,
  Conflict: -32005,
  Overloaded: -32006,
  StateUnavailable: -32007,
  Failed: -32008,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

/** Frames longer than this (bytes, newline excluded) are refused. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export const PROTOCOL_VERSION = 1;
