/**
 * Decisions and views whose order depends on comparing names. locale.unit.test.ts computes
 * them in its own process and runs this file under another locale, which prints them.
 */
import { pathToFileURL } from "node:url";
import { decide, nodeRows } from "@ovl/domain";
import { fold } from "../support/given.js";
import { NOW, cluster, leave, start, started } from "./builders.js";

export function orderings(): { placedOn: string[]; stopped: string[]; nodes: string[] } {
  // "aa" sorts after "z" in Danish collation; in code units it comes first.
  const tie = fold(cluster("z", "aa"), NOW);
  const state = fold([...cluster("z", "aa", "ab"), started("zz", "aa", "198.19.1.2"), started("aa", "aa", "198.19.1.3")], NOW);
  return {
    placedOn: decide(start("web"), tie).map((e) => ("node" in e.data ? e.data.node : "")),
    stopped: decide(leave("aa"), state).map((e) => ("name" in e.data ? e.data.name : e.type)),
    nodes: nodeRows(state, new Map()).map((r) => r.name),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(orderings()));
