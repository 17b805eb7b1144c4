import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Rating } from './rating';

describe('Rating', () => {
  it('shows the rating to one decimal and the review count with thousands separators, visibly and to screen readers', () => {
    const html = renderToStaticMarkup(<Rating rating={4.25} reviewCount={12345} />);
    expect(html).toContain('★ 4.3 <span');
    expect(html).toContain('(12,345)');
    expect(html).toContain('Rated 4.3 out of 5 from 12,345 reviews');
  });
});
