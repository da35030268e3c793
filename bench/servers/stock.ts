/**
 * The engine's ceiling for `npm run bench`: the stock oidc-provider (bench/servers/stock-provider.ts)
 * with its in-memory adapter. Env BENCH_STOCK_CONFIG (see {@link StockConfig}).
 */
import { readStockConfig, startStockServer } from './stock-provider.ts';
import type { StockConfig } from './stock-provider.ts';

const cfg: StockConfig = readStockConfig();
await startStockServer('stock oidc-provider (in memory)', cfg);
