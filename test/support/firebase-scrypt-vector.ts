// The test vector of Firebase's own scrypt tool (github.com/firebase/scrypt): the hash of "user1password" with the
// project parameters it ships, as an import row gives it.
export const FIREBASE_SCRYPT_VECTOR = {
  password: 'user1password',
  hash: {
    algorithm: 'firebase-scrypt',
    salt: '42xEC+ixf3L2lw==',
    hash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
    salt_separator: 'Bw==',
    signer_key: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
    rounds: 8,
    mem_cost: 14,
  },
} as const;
