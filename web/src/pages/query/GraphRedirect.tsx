import { Navigate, useLocation } from "react-router-dom";
import { graphRedirectTarget } from "./urlState";

/** Prometheus 2's /graph: the same panels on /query, its parameters translated (tab=0|1, stacked, step_input). */
export function GraphRedirect() {
  const { search } = useLocation();
  return <Navigate to={graphRedirectTarget(search)} replace />;
}
