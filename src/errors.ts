/**
 * The typed errors, from the storage contract that throws most of them: the
 * Koa side re-exports them, so that storages/ imports nothing of src/.
 */
export * from '../storages/errors.js';
