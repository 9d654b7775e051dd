// Node-only helpers (file system).
export {};
