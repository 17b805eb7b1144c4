/** The demo store's coupon codes. A code is matched case-insensitively and sent upper case. */
export interface Coupon {
  code: string;
  /** Per-unit discount in percent, applied to every item's price. */
  percentOff: number;
  /** Waives the shipping charge of every tier. */
  freeShipping: boolean;
  description: string;
}

export const COUPONS: readonly Coupon[] = [
  { code: 'SAVE10', percentOff: 10, freeShipping: false, description: '10 % off every item' },
  { code: 'WELCOME15', percentOff: 15, freeShipping: false, description: '15 % off every item' },
  { code: 'FREESHIP', percentOff: 0, freeShipping: true, description: 'free shipping' },
];

export function findCoupon(code: string): Coupon | undefined {
  const wanted = code.trim().toUpperCase();
  return wanted ? COUPONS.find((c) => c.code === wanted) : undefined;
}
