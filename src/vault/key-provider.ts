// The master key sits behind this interface so a KMS (AWS KMS, Vault
// transit, an HSM) can replace the key file: the vault never needs the
// master key's bytes, only wrap/unwrap of data keys.

export interface KeyProvider {
  /** Short name for status output, e.g. 'file', 'aws-kms'. */
  readonly kind: string;
  /** Stable id of the master key, safe to store and print; never the key itself. */
  masterKeyId(): Promise<string>;
  /** When the master key came into being, if the provider knows (for `keys status`). */
  createdAt(): Promise<Date | undefined>;
  /** Wraps a data key; `aad` binds it to its practice and key id. */
  wrap(dataKey: Uint8Array, aad: Uint8Array): Promise<Buffer>;
  /**
   * Unwraps a data key. Throws VaultError VAULT_TAMPERED if the wrapped bytes
   * or the aad do not authenticate under this master key.
   */
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Buffer>;
}
