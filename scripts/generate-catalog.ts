/**
 * Writes the demo catalog: src/data/catalog.json (every product), src/data/categories.json (the category tree
 * alone, small enough for the browser bundle) and one SVG per subcategory under static/images/products/.
 *
 * Deterministic: a seeded PRNG drives every choice, so running it again yields byte-identical files and the
 * simulator's recorded journeys keep pointing at the same SKUs. Run with `npx tsx scripts/generate-catalog.ts`.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalog, Category, Product, ProductVariants } from '../src/data/product';

const SEED = 20240611;
const PRODUCTS_PER_CATEGORY = 30;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'src', 'data');
const imageDir = join(root, 'static', 'images', 'products');

/** mulberry32: tiny, fast, and good enough to pick names and prices. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(SEED);
const between = (lo: number, hi: number): number => lo + rand() * (hi - lo);
const intBetween = (lo: number, hi: number): number => Math.floor(between(lo, hi + 1));
function pick<T>(xs: readonly T[]): T {
  const x = xs[Math.floor(rand() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}
function sample<T>(xs: readonly T[], n: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0] as T);
  return out;
}

type VariantKind = 'apparel' | 'shoes' | 'kids' | 'colour' | 'none';

interface SubSpec {
  id: string;
  name: string;
  /** Price range in USD; prices are drawn log-uniformly, as real assortments skew cheap. */
  price: [number, number];
  nouns: string[];
  variants: VariantKind;
}

interface CategorySpec {
  id: string;
  name: string;
  /** Hue of the category's product images. */
  hue: number;
  brands: string[];
  adjectives: string[];
  subs: SubSpec[];
}

const SPECS: CategorySpec[] = [
  {
    id: 'sports-outdoors', name: 'Sports & Outdoors', hue: 140,
    brands: ['TrailPeak', 'NorthRidge', 'Velocity', 'Summit Co.', 'Kinetic'],
    adjectives: ['Ultralight', 'All-Weather', 'Pro', 'Trail', 'Compact', 'Endurance', 'Alpine'],
    subs: [
      { id: 'camping', name: 'Camping', price: [12, 420], nouns: ['Tent', 'Sleeping Bag', 'Camp Stove', 'Headlamp', 'Trekking Poles', 'Camp Chair'], variants: 'none' },
      { id: 'fitness', name: 'Fitness', price: [9, 260], nouns: ['Yoga Mat', 'Kettlebell', 'Resistance Bands', 'Foam Roller', 'Jump Rope', 'Dumbbell Set'], variants: 'colour' },
      { id: 'cycling', name: 'Cycling', price: [15, 380], nouns: ['Bike Helmet', 'Bike Light Set', 'Cycling Gloves', 'Saddle Bag', 'Bike Pump'], variants: 'colour' },
      { id: 'running', name: 'Running', price: [14, 190], nouns: ['Running Shoes', 'Running Vest', 'Hydration Belt', 'Running Cap'], variants: 'shoes' },
    ],
  },
  {
    id: 'kitchen-cooking', name: 'Kitchen & Cooking', hue: 20,
    brands: ['Copperleaf', 'HomeChef', 'Ironwood', 'Saveur', 'Mizuya'],
    adjectives: ['Classic', 'Nonstick', 'Professional', 'Cast-Iron', 'Stainless', 'Everyday'],
    subs: [
      { id: 'cookware', name: 'Cookware', price: [19, 320], nouns: ['Frying Pan', 'Saucepan', 'Dutch Oven', 'Wok', 'Stockpot'], variants: 'none' },
      { id: 'knives', name: 'Knives', price: [14, 240], nouns: ["Chef's Knife", 'Paring Knife', 'Bread Knife', 'Knife Block Set', 'Santoku Knife'], variants: 'none' },
      { id: 'small-appliances', name: 'Small Appliances', price: [25, 450], nouns: ['Blender', 'Toaster', 'Coffee Grinder', 'Electric Kettle', 'Stand Mixer', 'Rice Cooker'], variants: 'colour' },
      { id: 'bakeware', name: 'Bakeware', price: [8, 75], nouns: ['Baking Sheet', 'Loaf Pan', 'Muffin Tin', 'Cake Pan', 'Pie Dish'], variants: 'none' },
    ],
  },
  {
    id: 'travel', name: 'Travel', hue: 200,
    brands: ['Wayfarer', 'Jetset', 'Nomadik', 'Roamwell'],
    adjectives: ['Carry-On', 'Expandable', 'Lightweight', 'Weekender', 'Hard-Shell', 'Packable'],
    subs: [
      { id: 'luggage', name: 'Luggage', price: [60, 520], nouns: ['Spinner Suitcase', 'Duffel Bag', 'Garment Bag', 'Rolling Suitcase'], variants: 'colour' },
      { id: 'backpacks', name: 'Backpacks', price: [25, 240], nouns: ['Travel Backpack', 'Daypack', 'Laptop Backpack', 'Sling Pack'], variants: 'colour' },
      { id: 'travel-accessories', name: 'Travel Accessories', price: [6, 70], nouns: ['Packing Cubes', 'Neck Pillow', 'Travel Adapter', 'Luggage Tag', 'Toiletry Bag'], variants: 'none' },
    ],
  },
  {
    id: 'kpop-music', name: 'K-pop & Music', hue: 300,
    brands: ['Starlight Ent.', 'Neon Wave', 'Bloom Records', 'Aurora Music'],
    adjectives: ['Limited Edition', 'Deluxe', 'Official', 'Signed', 'Collector', 'Tour'],
    subs: [
      { id: 'albums', name: 'Albums', price: [14, 45], nouns: ['Album', 'Vinyl LP', 'Mini Album', 'Repackage Album'], variants: 'none' },
      { id: 'lightsticks', name: 'Lightsticks', price: [35, 70], nouns: ['Lightstick', 'Lightstick Case', 'Lightstick Strap'], variants: 'none' },
      { id: 'music-merch', name: 'Merch', price: [8, 85], nouns: ['Photocard Set', 'Tour Hoodie', 'Poster Set', 'Keyring', 'Tote Bag'], variants: 'apparel' },
    ],
  },
  {
    id: 'womens-fashion', name: "Women's Fashion", hue: 340,
    brands: ['Maison Lune', 'Verity', 'Solstice', 'Atelier Nine', 'Poppy & Co.'],
    adjectives: ['Linen', 'Wrap', 'Tailored', 'Relaxed', 'Pleated', 'Cropped', 'Silk'],
    subs: [
      { id: 'dresses', name: 'Dresses', price: [29, 240], nouns: ['Midi Dress', 'Maxi Dress', 'Shirt Dress', 'Slip Dress'], variants: 'apparel' },
      { id: 'womens-tops', name: 'Tops', price: [15, 120], nouns: ['Blouse', 'T-Shirt', 'Tank Top', 'Cardigan'], variants: 'apparel' },
      { id: 'womens-shoes', name: 'Shoes', price: [35, 260], nouns: ['Ankle Boots', 'Sneakers', 'Loafers', 'Sandals', 'Ballet Flats'], variants: 'shoes' },
      { id: 'bags', name: 'Bags', price: [30, 380], nouns: ['Tote Bag', 'Crossbody Bag', 'Clutch', 'Shoulder Bag'], variants: 'colour' },
    ],
  },
  {
    id: 'mens-fashion', name: "Men's Fashion", hue: 220,
    brands: ['Hartwell', 'Greystone', 'Oakmont', 'Field & Forge'],
    adjectives: ['Oxford', 'Slim-Fit', 'Heritage', 'Merino', 'Waxed', 'Everyday', 'Chambray'],
    subs: [
      { id: 'shirts', name: 'Shirts', price: [22, 140], nouns: ['Button-Down Shirt', 'Polo Shirt', 'Flannel Shirt', 'Henley'], variants: 'apparel' },
      { id: 'trousers', name: 'Trousers', price: [35, 160], nouns: ['Chinos', 'Jeans', 'Cargo Trousers', 'Wool Trousers'], variants: 'apparel' },
      { id: 'mens-shoes', name: 'Shoes', price: [45, 290], nouns: ['Derby Shoes', 'Chelsea Boots', 'Trainers', 'Boat Shoes'], variants: 'shoes' },
      { id: 'jackets', name: 'Jackets', price: [60, 420], nouns: ['Field Jacket', 'Puffer Jacket', 'Denim Jacket', 'Rain Jacket', 'Blazer'], variants: 'apparel' },
    ],
  },
  {
    id: 'electronics', name: 'Electronics', hue: 260,
    brands: ['Voltix', 'Sonora', 'Pixelon', 'Arcwave', 'Nimbus'],
    adjectives: ['Wireless', 'Smart', 'Noise-Cancelling', 'Portable', 'Fast-Charge', 'Ultra'],
    subs: [
      { id: 'headphones', name: 'Headphones', price: [19, 420], nouns: ['Over-Ear Headphones', 'Earbuds', 'Gaming Headset', 'Sport Earphones'], variants: 'colour' },
      { id: 'phone-accessories', name: 'Phone Accessories', price: [9, 90], nouns: ['Phone Case', 'Charging Pad', 'Power Bank', 'USB-C Cable', 'Car Mount'], variants: 'colour' },
      { id: 'smart-home', name: 'Smart Home', price: [20, 330], nouns: ['Smart Speaker', 'Smart Plug', 'Video Doorbell', 'Smart Bulb Kit', 'Thermostat'], variants: 'none' },
      { id: 'computer-accessories', name: 'Computer Accessories', price: [12, 260], nouns: ['Mechanical Keyboard', 'Mouse', 'Webcam', 'USB-C Hub', 'Monitor Arm'], variants: 'none' },
    ],
  },
  {
    id: 'beauty', name: 'Beauty', hue: 320,
    brands: ['Lumière', 'Dewdrop', 'Seoul Glow', 'Botanica', 'Velvet'],
    adjectives: ['Hydrating', 'Brightening', 'Gentle', 'Long-Wear', 'Matte', 'Radiant'],
    subs: [
      { id: 'skincare', name: 'Skincare', price: [8, 95], nouns: ['Serum', 'Moisturiser', 'Cleanser', 'Sheet Mask Set', 'Sunscreen SPF 50'], variants: 'none' },
      { id: 'makeup', name: 'Makeup', price: [7, 60], nouns: ['Lipstick', 'Foundation', 'Mascara', 'Eyeshadow Palette', 'Cushion Compact'], variants: 'colour' },
      { id: 'fragrance', name: 'Fragrance', price: [25, 180], nouns: ['Eau de Parfum', 'Body Mist', 'Eau de Toilette', 'Scented Oil'], variants: 'none' },
    ],
  },
  {
    id: 'home-living', name: 'Home & Living', hue: 40,
    brands: ['Hearth & Home', 'Nordhus', 'Willow Lane', 'Casa Verde'],
    adjectives: ['Organic Cotton', 'Handwoven', 'Minimal', 'Cosy', 'Rattan', 'Ceramic'],
    subs: [
      { id: 'bedding', name: 'Bedding', price: [25, 260], nouns: ['Duvet Cover', 'Sheet Set', 'Pillow Pair', 'Throw Blanket'], variants: 'colour' },
      { id: 'decor', name: 'Decor', price: [10, 150], nouns: ['Vase', 'Wall Mirror', 'Picture Frame Set', 'Scented Candle', 'Cushion Cover'], variants: 'none' },
      { id: 'lighting', name: 'Lighting', price: [18, 280], nouns: ['Table Lamp', 'Floor Lamp', 'Pendant Light', 'String Lights'], variants: 'none' },
      { id: 'storage', name: 'Storage', price: [9, 140], nouns: ['Storage Basket', 'Shoe Rack', 'Drawer Organiser', 'Wall Shelf'], variants: 'none' },
    ],
  },
  {
    id: 'books', name: 'Books', hue: 60,
    brands: ['Penrose Press', 'Harbour Books', 'Inkwell', 'Northlight Publishing'],
    adjectives: ['The Quiet', 'The Last', 'A Brief', 'The Hidden', 'The Little', 'Midnight'],
    subs: [
      { id: 'fiction', name: 'Fiction', price: [9, 32], nouns: ['Garden', 'Lighthouse', 'Orchard', 'River', 'Station'], variants: 'none' },
      { id: 'non-fiction', name: 'Non-fiction', price: [12, 45], nouns: ['History of Salt', 'Guide to Habits', 'Atlas of Cities', 'Story of Maps'], variants: 'none' },
      { id: 'cookbooks', name: 'Cookbooks', price: [15, 50], nouns: ['Kitchen', 'Table', 'Bakery', 'Pantry'], variants: 'none' },
      { id: 'comics', name: 'Comics & Manga', price: [8, 38], nouns: ['Volume 1', 'Volume 2', 'Omnibus', 'Box Set'], variants: 'none' },
    ],
  },
  {
    id: 'kids', name: 'Kids', hue: 170,
    brands: ['Little Sprout', 'Playful Pine', 'Bumblebee', 'Tiny Tribe'],
    adjectives: ['Wooden', 'Rainbow', 'Soft', 'Musical', 'Adventure', 'Cuddly'],
    subs: [
      { id: 'toys', name: 'Toys', price: [8, 120], nouns: ['Building Blocks', 'Puzzle', 'Plush Bear', 'Train Set', 'Stacking Rings'], variants: 'none' },
      { id: 'kids-clothing', name: 'Clothing', price: [10, 70], nouns: ['Rain Jacket', 'Pyjama Set', 'Hoodie', 'Dungarees'], variants: 'kids' },
      { id: 'baby', name: 'Baby', price: [9, 220], nouns: ['Baby Carrier', 'Bottle Set', 'Play Mat', 'Swaddle Pack'], variants: 'none' },
    ],
  },
];

const COLOURS = ['Black', 'White', 'Navy', 'Olive', 'Sand', 'Red', 'Grey', 'Sage', 'Blush'];
const SIZES: Record<'apparel' | 'shoes' | 'kids', string[]> = {
  apparel: ['XS', 'S', 'M', 'L', 'XL'],
  shoes: ['36', '37', '38', '39', '40', '41', '42', '43', '44', '45'],
  kids: ['2-3Y', '4-5Y', '6-7Y', '8-9Y'],
};

function variantsFor(kind: VariantKind): ProductVariants | undefined {
  switch (kind) {
    case 'none':
      return undefined;
    case 'colour':
      return rand() < 0.7 ? { colours: sample(COLOURS, intBetween(2, 4)) } : undefined;
    case 'apparel':
    case 'shoes':
    case 'kids': {
      const all = SIZES[kind];
      const start = intBetween(0, Math.max(0, all.length - 4));
      const sizes = all.slice(start, start + intBetween(3, Math.min(6, all.length)));
      return rand() < 0.6 ? { sizes, colours: sample(COLOURS, intBetween(2, 3)) } : { sizes };
    }
  }
}

/** Shop prices end in .99, .49 or .00 rather than arbitrary cents. */
function shopPrice([lo, hi]: [number, number]): number {
  const raw = Math.exp(between(Math.log(lo), Math.log(hi)));
  const ending = pick([0.99, 0.99, 0.99, 0.49, 0.0]);
  const whole = Math.max(1, Math.floor(raw));
  return Math.round((whole + ending) * 100) / 100;
}

function slugify(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function productName(cat: CategorySpec, sub: SubSpec): string {
  const noun = pick(sub.nouns);
  if (cat.id === 'books') {
    if (sub.id === 'cookbooks') return `${pick(['Simple', 'Seasonal', 'Weeknight', 'Nordic', 'Korean'])} ${noun}`;
    if (sub.id === 'comics') return `${pick(['Moonlit Blade', 'Star Courier', 'Neon Shrine', 'Paper Dragons'])}: ${noun}`;
    return `${pick(cat.adjectives)} ${noun}`;
  }
  if (cat.id === 'kpop-music') return `${pick(['NOVA', 'LUMI', 'AERA', 'VIVID', 'ORBIT', 'HAZE'])} ${pick(cat.adjectives)} ${noun}`;
  return `${pick(cat.adjectives)} ${noun}`;
}

function describe(model: string, brand: string, sub: SubSpec, cat: CategorySpec): string {
  const opener = pick([
    `The ${model} from ${brand} is made for everyday use.`,
    `From ${brand}: the ${model}, balancing quality and value.`,
    `Meet the ${model}: a customer favourite from ${brand}.`,
  ]);
  const middle = pick([
    `Thoughtfully designed and built to last.`,
    `Tested by our team and loved by shoppers in ${cat.name}.`,
    `A reliable pick in ${sub.name.toLowerCase()}.`,
    `Easy to care for and backed by a one-year warranty.`,
  ]);
  return `${opener} ${middle}`;
}

function buildCatalog(): Catalog {
  const categories: Category[] = SPECS.map((c) => ({
    id: c.id,
    name: c.name,
    subcategories: c.subs.map((s) => ({ id: s.id, name: s.name })),
  }));
  const products: Product[] = [];
  const names = new Set<string>();
  let n = 0;
  for (const cat of SPECS) {
    for (let i = 0; i < PRODUCTS_PER_CATEGORY; i++) {
      // Round-robin first so that every subcategory gets products, then random for an uneven, shop-like mix.
      const sub = i < cat.subs.length ? (cat.subs[i] as SubSpec) : pick(cat.subs);
      const brand = pick(cat.brands);
      let model = productName(cat, sub);
      for (let attempt = 0; names.has(`${brand} ${model}`) && attempt < 20; attempt++) model = productName(cat, sub);
      if (names.has(`${brand} ${model}`)) model = `${model} ${pick(['II', 'Plus', 'Max', 'Mini', 'Lite', 'SE'])}`;
      const name = `${brand} ${model}`;
      if (names.has(name)) continue;
      names.add(name);
      n += 1;
      const id = `SKU-${String(n).padStart(5, '0')}`;
      const variants = variantsFor(sub.variants);
      products.push({
        id,
        slug: `${slugify(name)}-${String(n).padStart(5, '0')}`,
        name,
        brand,
        category: cat.id,
        subcategory: sub.id,
        price: shopPrice(sub.price),
        ...(variants ? { variants } : {}),
        // Every product is purchasable: journeys should not dead-end on a product page.
        stock: rand() < 0.15 ? intBetween(1, 9) : intBetween(10, 250),
        rating: Math.round(Math.min(5, between(2.9, 5.3)) * 10) / 10,
        reviewCount: Math.floor(Math.exp(between(0, Math.log(4000)))),
        description: describe(model, brand, sub, cat),
        image: `/images/products/${sub.id}.svg`,
      });
    }
  }

  // Featured: the best-rated product of each category, topped up with the next best overall, 12 in all.
  const byRating = [...products].sort((a, b) => b.rating - a.rating || b.reviewCount - a.reviewCount || a.id.localeCompare(b.id));
  const featured: string[] = [];
  for (const cat of SPECS) {
    const top = byRating.find((p) => p.category === cat.id);
    if (top) featured.push(top.id);
  }
  for (const p of byRating) {
    if (featured.length >= 12) break;
    if (!featured.includes(p.id)) featured.push(p.id);
  }
  const bestsellers = [...products]
    .sort((a, b) => b.reviewCount - a.reviewCount || a.id.localeCompare(b.id))
    .filter((p) => !featured.includes(p.id))
    .slice(0, 8)
    .map((p) => p.id);

  return { seed: SEED, categories, products, featured, bestsellers };
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

/** A flat placeholder picture: category hue, subcategory label. Decorative, so the pages give it alt="". */
function productSvg(label: string, hue: number, shade: number): string {
  const bg = `hsl(${hue} 45% ${88 - shade * 6}%)`;
  const fg = `hsl(${hue} 55% ${30 - shade * 3}%)`;
  const accent = `hsl(${(hue + 30) % 360} 60% 70%)`;
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="480" viewBox="0 0 480 480">',
    `<rect width="480" height="480" fill="${bg}"/>`,
    `<circle cx="240" cy="200" r="110" fill="${accent}" opacity="0.55"/>`,
    `<rect x="170" y="140" width="140" height="120" rx="18" fill="${fg}" opacity="0.85"/>`,
    `<text x="240" y="390" text-anchor="middle" font-family="system-ui, sans-serif" font-size="34" font-weight="600" fill="${fg}">${escapeXml(label)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function main(): void {
  const catalog = buildCatalog();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'catalog.json'), `${JSON.stringify(catalog, null, 2)}\n`);
  writeFileSync(join(dataDir, 'categories.json'), `${JSON.stringify(catalog.categories, null, 2)}\n`);

  // Clear old pictures first so that a renamed subcategory leaves no orphan file behind.
  mkdirSync(imageDir, { recursive: true });
  for (const f of readdirSync(imageDir)) if (f.endsWith('.svg')) rmSync(join(imageDir, f));
  for (const cat of SPECS) {
    cat.subs.forEach((sub, i) => writeFileSync(join(imageDir, `${sub.id}.svg`), productSvg(sub.name, cat.hue, i)));
  }
  const subs = SPECS.reduce((k, c) => k + c.subs.length, 0);
  console.log(`catalog: ${catalog.products.length} products, ${catalog.categories.length} categories, ${subs} subcategory images`);
}

main();
