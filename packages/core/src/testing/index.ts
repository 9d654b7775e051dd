// Test helpers for plugins: a tiny seeded generator implementing the contract, and tensor-leak checks.
export {};
