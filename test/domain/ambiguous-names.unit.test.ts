/** The names `ovl run` refuses as ambiguous on a network. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OvlErrorCodes as C, parseCommandData } from "@ovl/domain";
import { given } from "../support/given.js";
import { cluster, failed, start, started, stopped } from "./builders.js";

const ip = (i: number, host: number) => `198.19.${i}.${host}`;

const ambiguous = suite("start: ambiguous names");
ambiguous("aliases are recorded in ContainerStarted", () => {
  given(cluster("n1")).when(start("db", { node: "n1", aliases: ["pg"] })).then([started("db", "n1", ip(0, 2), { aliases: ["pg"] })]);
});
ambiguous("no alias, or an empty list, records none", () => {
  given(cluster("n1")).when(start("db", { node: "n1", aliases: [] })).then([started("db", "n1", ip(0, 2))]);
});
ambiguous("an alias equal to another container's name is refused", () => {
  given([...cluster("n1", "n2"), started("web", "n2", ip(1, 2))])
    .when(start("db", { node: "n1", aliases: ["web"] }))
    .thenThrows(C.NameInUse, /alias web would be ambiguous: container web already answers to it \(its name\)/);
});
ambiguous("an alias equal to another container's alias is refused", () => {
  given([...cluster("n1"), started("a", "n1", ip(0, 2), { aliases: ["pg"] })])
    .when(start("b", { node: "n1", aliases: ["pg"] }))
    .thenThrows(C.NameInUse, /alias pg .*container a .*its alias/);
});
ambiguous("a name equal to another container's alias is refused", () => {
  given([...cluster("n1"), started("a", "n1", ip(0, 2), { aliases: ["pg"] })])
    .when(start("pg", { node: "n1" }))
    .thenThrows(C.NameInUse, /name pg would be ambiguous.*ovl rm a/);
});
ambiguous("a failed container keeps its aliases until it is removed", () => {
  const history = [...cluster("n1"), started("a", "n1", ip(0, 2), { aliases: ["pg"] }), failed("a", "n1", ip(0, 2))];
  given(history).when(start("b", { node: "n1", aliases: ["pg"] })).thenThrows(C.NameInUse);
  given([...history, stopped("a", "n1", ip(0, 2))]).when(start("b", { node: "n1", aliases: ["pg"] })).then([started("b", "n1", ip(0, 2), { aliases: ["pg"] })]);
});
ambiguous("the own name as an alias, or an alias twice, is refused", () => {
  given(cluster("n1")).when(start("db", { node: "n1", aliases: ["db"] })).thenThrows(C.InvalidInput, /alias db is the container's own name/);
  given(cluster("n1")).when(start("db", { node: "n1", aliases: ["pg", "pg"] })).thenThrows(C.InvalidInput, /alias pg is given twice/);
});
ambiguous("an alias must be a valid name, and at most 16 are taken", () => {
  const body = (aliases: unknown) => ({ name: "db", image: "busybox", cmd: [], ports: [], aliases });
  assert.throws(() => parseCommandData("StartContainer", body(["Bad_Name"])), (e: Error & { code?: string }) => e.code === C.InvalidInput && /aliases\.0/.test(e.message));
  assert.throws(() => parseCommandData("StartContainer", body(Array.from({ length: 17 }, (_, i) => `a${i}`))), (e: Error & { code?: string }) => e.code === C.InvalidInput);
  assert.ok(parseCommandData("StartContainer", body(["pg", "primary"])));
});
ambiguous.run();
