/**
 * Accounts, the signed-in session, order history and the wishlist in Web Storage. Accounts keep a salted
 * PBKDF2 hash only (see password-hash.ts); everything read back is checked, as in cart-storage.ts.
 */
import type { ProductSummary } from '../data/product';
import { isOrder, isProductSummary, local, read, write, type Order } from './cart-storage';

export interface Account {
  /** Opaque; what GA4 receives as user_id. Never the email. */
  userId: string;
  email: string;
  name: string;
  salt: string;
  hash: string;
}

export interface Session {
  userId: string;
  name: string;
}

const ACCOUNTS_KEY = 'shoplab.accounts.v1';
const SESSION_KEY = 'shoplab.session.v1';
const ORDERS_KEY = 'shoplab.orders.v1';
const WISHLIST_KEY = 'shoplab.wishlist.v1';

/** The keys that belong to one visitor rather than to the browser: resetStore() forgets them. */
export const VISITOR_STORAGE_KEYS = [SESSION_KEY, WISHLIST_KEY] as const;

/** Bounded, so a long simulated life cannot fill storage. */
const MAX_ORDERS = 100;
const MAX_WISHLIST = 100;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isAccount(v: unknown): v is Account {
  return isRecord(v) && ['userId', 'email', 'name', 'salt', 'hash'].every((k) => typeof v[k] === 'string');
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function readAccounts(): Account[] {
  const v = read(local, ACCOUNTS_KEY);
  return Array.isArray(v) ? v.filter(isAccount) : [];
}

export function writeAccounts(accounts: readonly Account[]): void {
  write(local, ACCOUNTS_KEY, accounts.length ? accounts : undefined);
}

export function readSession(): Session | null {
  const v = read(local, SESSION_KEY);
  return isRecord(v) && typeof v.userId === 'string' && typeof v.name === 'string' ? { userId: v.userId, name: v.name } : null;
}

export function writeSession(s: Session | null): void {
  write(local, SESSION_KEY, s ?? undefined);
}

export function readOrders(): Order[] {
  const v = read(local, ORDERS_KEY);
  return Array.isArray(v) ? v.filter(isOrder) : [];
}

export function writeOrders(orders: readonly Order[]): void {
  write(local, ORDERS_KEY, orders.length ? orders.slice(-MAX_ORDERS) : undefined);
}

export function readWishlist(): ProductSummary[] {
  const v = read(local, WISHLIST_KEY);
  return Array.isArray(v) ? v.filter(isProductSummary) : [];
}

export function writeWishlist(items: readonly ProductSummary[]): void {
  write(local, WISHLIST_KEY, items.length ? items.slice(-MAX_WISHLIST) : undefined);
}
