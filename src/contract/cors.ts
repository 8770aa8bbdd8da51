/**
 * An HTTP API's CORS configuration (aws_apigatewayv2_api.cors_configuration) [AWS-CORS]: what the
 * construct deploys and what the gateway emulator applies. With it, API Gateway answers preflight
 * OPTIONS itself, before any route or authorizer, and replaces the integration's CORS headers.
 */
export interface CorsConfiguration {
  /** `https://app.example.com`, `*`, or a scheme wildcard `https://*` / `http://*`. */
  readonly allowOrigins?: readonly string[];
  readonly allowMethods?: readonly string[];
  readonly allowHeaders?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  /** Seconds a browser may cache a preflight. */
  readonly maxAge?: number;
  readonly allowCredentials?: boolean;
}
