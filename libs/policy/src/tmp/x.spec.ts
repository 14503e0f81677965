import { it } from 'vitest';
import { checkPolicyText } from '../index';
it('x', () => {
  console.log(JSON.stringify(checkPolicyText('@id("t") permit (principal == ?principal, action, resource);'), null, 1));
  console.log(JSON.stringify(checkPolicyText('permit (principal, action, resource);\n@id("a") permit (principal, action, resource) when { resource.size > 1 };'), null, 1));
});
