import { InvalidInputError } from '../../../src/errors';
import { claimsMatch, parseClaimsExpression } from '../../../src/local/entra';

const claims = { sub: 'repo:octo-org/orders-api:ref:refs/tags/v1.4.0', job_workflow_ref: 'octo-org/orders-api/.github/workflows/release.yml@refs/tags/v1.4.0' };

describe('flexible federated credential expressions (matches, eq, and; * and ? wildcards)', () => {
  test.each([
    ["claims['sub'] matches 'repo:octo-org/orders-api:ref:refs/tags/v*'", true],
    ["claims['sub'] matches 'repo:octo-org/orders-api:ref:refs/tags/v?.4.0'", true],
    ["claims['sub'] matches 'repo:octo-org/orders-api:ref:refs/tags/v?.4'", false],
    ["claims['sub'] matches 'repo:Octo-Org/orders-api:*'", false],
    ["claims['sub'] eq 'repo:octo-org/orders-api:ref:refs/tags/v1.4.0'", true],
    ["claims['sub'] eq 'repo:octo-org/orders-api:ref:refs/tags/v*'", false],
    ["claims['sub'] matches 'repo:octo-org/*' and claims['job_workflow_ref'] matches 'octo-org/orders-api/.github/workflows/release.yml@*'", true],
    ["claims['sub'] matches 'repo:octo-org/*' and claims['job_workflow_ref'] matches '*/deploy.yml@*'", false],
  ])('%s → %s', (expression, expected) => {
    expect(claimsMatch(parseClaimsExpression(expression), claims)).toBe(expected);
  });

  test.each([
    ["claims['sub'] like 'repo:*'", 'joined by "and"'],
    ["claims['sub'] matches 'a' or claims['sub'] matches 'b'", 'joined by "and"'],
    ["claims['repository'] eq 'octo-org/orders-api'", 'conditions on sub or job_workflow_ref only'],
  ])('refuses %s as an input error', (expression, expected) => {
    expect(() => parseClaimsExpression(expression)).toThrow(InvalidInputError);
    expect(() => parseClaimsExpression(expression)).toThrow(expected);
  });
});
