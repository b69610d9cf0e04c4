import { availableStoreKinds, openMigratedTestDatabase } from '@app/storage/testing/test-stores';
import { assertFence } from './fencing';
import { FencedOutError } from './leadership';

describe.each(availableStoreKinds())('assertFence (%s)', (kind) => {
  it('lets the newest term write and refuses every older term', async () => {
    const { db, dispose } = await openMigratedTestDatabase(kind);
    try {
      await db.transaction((tx) => assertFence(tx, { role: 'spreads', token: 5 }));
      await db.transaction((tx) => assertFence(tx, { role: 'spreads', token: 5 }));
      await db.transaction((tx) => assertFence(tx, { role: 'spreads', token: 7 }));
      await expect(db.transaction((tx) => assertFence(tx, { role: 'spreads', token: 6 }))).rejects.toBeInstanceOf(FencedOutError);
      // roles are fenced apart
      await db.transaction((tx) => assertFence(tx, { role: 'depeg', token: 1 }));
    } finally {
      await dispose();
    }
  });
});
