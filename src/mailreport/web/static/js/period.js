// The report period: two date inputs at the top right. The period lives in the URL
// (replaceState), so a reload or a shared link shows the same numbers.
import { writeState } from "./util.js";

export function periodControl(state, onChange) {
  const form = document.getElementById("period-form");
  const from = document.getElementById("period-from");
  const to = document.getElementById("period-to");
  from.value = state.from || "";
  to.value = state.to || "";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.from = from.value;
    state.to = to.value;
    writeState(state);
    onChange();
  });
  document.getElementById("period-clear").addEventListener("click", () => {
    from.value = "";
    to.value = "";
    state.from = "";
    state.to = "";
    writeState(state);
    onChange();
  });
}

export function periodText(period) {
  if (!period.from && !period.to) return "All time";
  return `${period.from || "…"} – ${period.to || "…"}`;
}
