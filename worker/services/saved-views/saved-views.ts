import { and, eq, isNull, sql } from 'drizzle-orm';
import { MAX_SAVED_VIEWS, type SavedView, type SavedViewChanges, type SavedViewInput } from '../../contract/saved-views.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { instances, type SavedViewRow, savedViews } from '../../db/schema.ts';
import { violatesUnique } from '../../db/unique-violation.ts';
import { ApiError, invalidField, notFound } from '../../errors.ts';
import { parseSearch, SearchSyntaxError } from '../../events/search-grammar.ts';

/** Whose views: one person in one organization. Every statement below is bounded by both. */
export interface ViewOwner {
  organizationId: string;
  userId: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

function view(row: SavedViewRow): SavedView {
  return { id: row.id, name: row.name, query: row.query, scope: row.scope, createdAt: iso(row.createdAt), updatedAt: iso(row.updatedAt) };
}

const owned = (owner: ViewOwner) => and(eq(savedViews.organizationId, owner.organizationId), eq(savedViews.userId, owner.userId));

/**
 * The person's views in the organization, by name ignoring case: one range of the name index
 * (names are unique in it, so no tie-breaker is needed and nothing is sorted; test/saved-views.test.ts).
 */
export function listQuery(db: Database, owner: ViewOwner) {
  return db.select().from(savedViews).where(owned(owner)).orderBy(sql`lower(${savedViews.name})`);
}

export async function listSavedViews(db: Database, owner: ViewOwner): Promise<SavedView[]> {
  return (await listQuery(db, owner)).map(view);
}

const nameTaken = (name: string) =>
  new ApiError('saved-view-exists', `You already have a saved view named "${name}" in this organization.`);

/** Two requests racing for one name: the unique index decides, and the loser gets the same 409. */
function rethrowNameRace(error: unknown, name: string): never {
  if (violatesUnique(error, "index 'saved_views_user_name'")) throw nameTaken(name);
  throw error;
}

/** The search box's text must parse as it would on the tab (a 422 naming the token, not a broken view later). */
function checkSearch(query: string): void {
  const q = new URLSearchParams(query).get('q');
  if (!q) return;
  try {
    parseSearch(q);
  } catch (error) {
    if (error instanceof SearchSyntaxError) throw invalidField('query', `q: ${error.reason} (at "${error.token}")`);
    throw error;
  }
}

/** "organization", or a live instance of this organization (another organization's id is unknown here). */
async function checkScope(db: Database, organizationId: string, scope: string): Promise<void> {
  if (scope === 'organization') return;
  const [instance] = await db
    .select({ id: instances.id })
    .from(instances)
    .where(and(eq(instances.id, scope), eq(instances.organizationId, organizationId), isNull(instances.deletedAt)))
    .limit(1);
  if (!instance) throw invalidField('scope', `must be "organization" or the id of an instance of this organization; ${scope} is neither.`);
}

/**
 * Inserted only while the person has fewer than MAX_SAVED_VIEWS here: the count and the insert are
 * one statement, so concurrent saves cannot pass the limit together.
 */
export async function createSavedView(db: Database, owner: ViewOwner, input: SavedViewInput, now: number): Promise<SavedView> {
  checkSearch(input.query);
  await checkScope(db, owner.organizationId, input.scope);
  const id = newId('sv');
  try {
    const inserted = await db.run(sql`
      INSERT INTO ${savedViews} (id, organization_id, user_id, name, query, scope, created_at, updated_at)
      SELECT ${id}, ${owner.organizationId}, ${owner.userId}, ${input.name}, ${input.query}, ${input.scope}, ${now}, ${now}
      WHERE (SELECT count(*) FROM ${savedViews} WHERE organization_id = ${owner.organizationId} AND user_id = ${owner.userId}) < ${MAX_SAVED_VIEWS}`);
    if (inserted.meta.changes === 0) {
      throw new ApiError(
        'saved-view-limit',
        `You have ${MAX_SAVED_VIEWS} saved views in this organization, the most one person keeps; delete one to save another.`,
      );
    }
  } catch (error) {
    rethrowNameRace(error, input.name);
  }
  return savedView(db, owner, id);
}

/** One of the person's views; anyone else's id (another person's, another organization's) is a 404. */
async function savedView(db: Database, owner: ViewOwner, viewId: string): Promise<SavedView> {
  const [row] = await db
    .select()
    .from(savedViews)
    .where(and(owned(owner), eq(savedViews.id, viewId)))
    .limit(1);
  if (!row) throw notFound(`You have no saved view ${viewId} in this organization.`);
  return view(row);
}

export async function updateSavedView(
  db: Database,
  owner: ViewOwner,
  viewId: string,
  changes: SavedViewChanges,
  now: number,
): Promise<SavedView> {
  if (changes.query !== undefined) checkSearch(changes.query);
  if (changes.scope !== undefined) await checkScope(db, owner.organizationId, changes.scope);
  try {
    const updated = await db
      .update(savedViews)
      .set({ name: changes.name, query: changes.query, scope: changes.scope, updatedAt: now })
      .where(and(owned(owner), eq(savedViews.id, viewId)));
    if (updated.meta.changes === 0) throw notFound(`You have no saved view ${viewId} in this organization.`);
  } catch (error) {
    rethrowNameRace(error, changes.name ?? '');
  }
  return savedView(db, owner, viewId);
}

export async function deleteSavedView(db: Database, owner: ViewOwner, viewId: string): Promise<void> {
  const removed = await db.delete(savedViews).where(and(owned(owner), eq(savedViews.id, viewId)));
  if (removed.meta.changes === 0) throw notFound(`You have no saved view ${viewId} in this organization.`);
}
