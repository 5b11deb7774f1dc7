/** This machine's name, as lock files and task records write it (plain Node: loaded at start-up). */
import { hostname } from "node:os"

export const thisHost = (): string => hostname()
