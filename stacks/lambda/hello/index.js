'use strict';
// Sample integration: answers with who called, as the JWT authorizer saw it (payload format 2.0).
exports.handler = async (event) => {
  const jwt = (event.requestContext && event.requestContext.authorizer && event.requestContext.authorizer.jwt) || null;
  const claims = jwt ? jwt.claims : {};
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message: 'hello from the protected API',
      route: event.routeKey,
      caller: { iss: claims.iss, sub: claims.sub, aud: claims.aud, azp: claims.azp || claims.appid, roles: claims.roles },
      scopes: jwt ? jwt.scopes : null,
    }),
  };
};
