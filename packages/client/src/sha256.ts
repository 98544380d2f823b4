/** SHA-256 of bytes or a UTF-8 string, hex by default; the one hash helper of every package (domain takes it as a parameter). */
import { createHash } from "node:crypto";

export const sha256 = (data: string | Uint8Array, encoding: "hex" | "base64url" = "hex"): string => createHash("sha256").update(data).digest(encoding);
