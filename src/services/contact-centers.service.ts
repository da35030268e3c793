/**
 * Business rules behind `/environment/v3/contact-centers` (genesys-api.md E4-E6, §7; seed 003 "Add
 * a contact center").
 *
 * - The id (CCID) is the caller's UUID or a generated one.
 * - Domains are canonical (NFC, lowercase), deduplicated, and unique across all contact centers
 *   (the `contact_center_domains` primary key enforces it); a taken domain → code 18 naming it.
 * - `environmentId` must name an existing environment (code 10 on `data.environmentId`).
 * - Updates are partial merges; `domains` is replaced as a whole.
 * - Deleting is refused (code 19) while users or bound clients refer to the contact center; its
 *   domains and settings go with it.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalDomain } from '../domain/environment.ts';
import type { ContactCenter } from '../domain/environment.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { PG_FOREIGN_KEY_VIOLATION, PG_RESTRICT_VIOLATION, PG_UNIQUE_VIOLATION, isPgError } from '../db/knex.ts';
import { createContactCentersRepository } from '../repositories/contact-centers.repository.ts';
import type { ContactCentersRepository } from '../repositories/contact-centers.repository.ts';
import { createEnvironmentsRepository } from '../repositories/environments.repository.ts';


/** Input of `create` (validated at the edge). */
export interface ContactCenterInput {
  /** Caller-chosen CCID (lowercase UUID); generated when absent. */
  id?: string | undefined;
  environmentId: string;
  /** Login domains; canonicalized and deduplicated here. */
  domains: string[];
  auth: string;
}

/** Fields `update` may change; absent keys keep their value. */
export type ContactCenterPatch = Partial<Omit<ContactCenterInput, 'id'>>;

/** Contact centers and their login domains (E4-E6). */
export interface ContactCentersService {
  /** Creates a contact center (E4). @throws AppError already_exists (id or a domain) | validation (unknown environment) */
  create(input: ContactCenterInput): Promise<ContactCenter>;
  /** All contact centers, oldest first (E5). */
  list(): Promise<ContactCenter[]>;
  /** @throws AppError not_found */
  get(id: string): Promise<ContactCenter>;
  /** Partial merge (E6). @throws AppError not_found | already_exists (a domain) | validation */
  update(id: string, patch: ContactCenterPatch): Promise<ContactCenter>;
  /** Deletes it with its domains and settings (E6). @throws AppError not_found | in_use */
  delete(id: string): Promise<void>;
}

/** The error of a contact-center write naming an environment that does not exist (code 10 on `data.environmentId`). */
export const unknownEnvironment = (): AppError =>
  new AppError('validation', 'validation failed: data.environmentId: no such environment', [
    { field: 'data.environmentId', message: 'no such environment' },
  ]);

const domainTaken = (domain: string | undefined) =>
  new AppError('already_exists', domain ? `domain ${domain} already belongs to another contact center` : 'a domain already belongs to another contact center');

/** Canonical, deduplicated domains in first-seen order. */
function canonicalDomains(domains: string[]): string[] {
  return [...new Set(domains.map(canonicalDomain))];
}

async function checkDomainsFree(repo: ContactCentersRepository, domains: string[], ccid?: string): Promise<void> {
  const owners = await repo.findDomainOwners(domains, ccid);
  if (owners.length) throw domainTaken(owners[0]!.domain);
}

/** Translates a driver error of a contact-center write into an AppError. */
function translate(err: unknown, id: string): never {
  if (isPgError(err, PG_UNIQUE_VIOLATION)) {
    if (err.constraint === 'contact_center_domains_pkey') {
      const detail = (err as { detail?: string }).detail ?? '';
      throw domainTaken(/\(domain\)=\((.*)\)/.exec(detail)?.[1]);
    }
    throw new AppError('already_exists', `contact center ${id} already exists`);
  }
  if (isPgError(err, PG_FOREIGN_KEY_VIOLATION)) throw unknownEnvironment();
  throw err;
}

/** Builds the service; every write runs in one transaction on `deps.knex`. */
export function createContactCentersService(deps: { knex: Knex }): ContactCentersService {
  const { knex } = deps;
  const inUse = (id: string, why: string) => new AppError('in_use', `contact center ${id} is in use by ${why}; remove them first`);

  return {
    async create(input) {
      const id = input.id ?? randomUUID();
      const domains = canonicalDomains(input.domains);
      return knex
        .transaction(async (trx) => {
          const repo = createContactCentersRepository(trx);
          if (await repo.exists(id)) throw new AppError('already_exists', `contact center ${id} already exists`);
          if (!(await createEnvironmentsRepository(trx).exists(input.environmentId))) throw unknownEnvironment();
          await checkDomainsFree(repo, domains);
          await repo.insert({ id, environmentId: input.environmentId, domains, auth: input.auth });
          return (await repo.find(id))!;
        })
        .catch((err: unknown) => translate(err, id));
    },

    list() {
      return createContactCentersRepository(knex).list();
    },

    async get(id) {
      const cc = await createContactCentersRepository(knex).find(id);
      if (!cc) throw notFound(`contact center ${id}`);
      return cc;
    },

    async update(id, patch) {
      return knex
        .transaction(async (trx) => {
          const repo = createContactCentersRepository(trx);
          if (!(await repo.lock(id))) throw notFound(`contact center ${id}`);
          const current = (await repo.find(id))!;
          const next = {
            id,
            environmentId: patch.environmentId ?? current.environmentId,
            domains: patch.domains ? canonicalDomains(patch.domains) : current.domains,
            auth: patch.auth ?? current.auth,
          };
          if (next.environmentId !== current.environmentId && !(await createEnvironmentsRepository(trx).exists(next.environmentId))) {
            throw unknownEnvironment();
          }
          await checkDomainsFree(repo, next.domains, id);
          await repo.update(next);
          return (await repo.find(id))!;
        })
        .catch((err: unknown) => translate(err, id));
    },

    async delete(id) {
      await knex
        .transaction(async (trx) => {
          const repo = createContactCentersRepository(trx);
          if (!(await repo.lock(id))) throw notFound(`contact center ${id}`);
          const { users, clients } = await repo.countDependents(id);
          if (users || clients) {
            throw inUse(id, [users ? `${users} user(s)` : '', clients ? `${clients} client(s)` : ''].filter(Boolean).join(' and '));
          }
          await repo.delete(id);
        })
        .catch((err: unknown) => {
          // a user or client binding added concurrently after the count
          if (isPgError(err, PG_FOREIGN_KEY_VIOLATION) || isPgError(err, PG_RESTRICT_VIOLATION)) throw inUse(id, 'users or clients');
          throw err;
        });
    },
  };
}
