import { CRYPTO_CHAINS, type CryptoChain } from '../indicator.types';
import { quote, rejected, type NormalizeContext, type NormalizeResult } from '../normalize.types';
import { normalizeBitcoinAddress, normalizeLitecoinAddress } from './bitcoin-address.normalizer';
import { normalizeEthereumAddress } from './ethereum-address.normalizer';
import { normalizeTronAddress } from './tron-address.normalizer';

const BY_CHAIN: Record<CryptoChain, (value: string) => NormalizeResult> = {
  btc: normalizeBitcoinAddress,
  eth: normalizeEthereumAddress,
  trx: normalizeTronAddress,
  ltc: normalizeLitecoinAddress,
};

/** True when `chain` is one of CRYPTO_CHAINS. */
export function isCryptoChain(chain: unknown): chain is CryptoChain {
  return typeof chain === 'string' && (CRYPTO_CHAINS as readonly string[]).includes(chain);
}

/** crypto-wallet → the chain's canonical address spelling; ctx.chain says which chain. */
export function normalizeCryptoWallet(value: string, ctx: NormalizeContext): NormalizeResult {
  if (ctx.chain === undefined) {
    return rejected('WALLET_CHAIN_REQUIRED', `a crypto-wallet needs its chain (one of ${CRYPTO_CHAINS.join(', ')})`);
  }
  if (!isCryptoChain(ctx.chain)) {
    return rejected('WALLET_CHAIN_UNSUPPORTED', `chain ${quote(ctx.chain)} is not supported; use one of ${CRYPTO_CHAINS.join(', ')}`);
  }
  return BY_CHAIN[ctx.chain](value.normalize('NFKC'));
}
