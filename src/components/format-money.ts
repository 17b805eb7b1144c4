import { CURRENCY } from '../data/product';

const formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency: CURRENCY });

export function formatMoney(amount: number): string {
  return formatter.format(amount);
}
