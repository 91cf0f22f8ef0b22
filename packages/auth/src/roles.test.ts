import { describe, expect, it } from 'vitest';
import { hasRole, type Role, roles } from './index';

describe('hasRole', () => {
  it('ranks admin above moderator above user', () => {
    const table = roles.flatMap((actual) =>
      roles.map((required) => `${actual} ${hasRole(actual, required) ? '⊇' : '⊉'} ${required}`),
    );
    expect(table).toEqual([
      'user ⊇ user',
      'user ⊉ moderator',
      'user ⊉ admin',
      'moderator ⊇ user',
      'moderator ⊇ moderator',
      'moderator ⊉ admin',
      'admin ⊇ user',
      'admin ⊇ moderator',
      'admin ⊇ admin',
    ]);
  });

  it('grants nothing to a role it does not know (fails closed)', () => {
    expect(hasRole('root' as Role, 'user')).toBe(false);
    expect(hasRole('admin', 'root' as Role)).toBe(false);
  });
});
