// The PromQL editor: CodeMirror 6 with codemirror-promql (highlighting, completion of metric names, label names and
// values and functions through the app's API client, inline parse errors), the query history in the completion list,
// themed with Mantine's colour variables for the light and the dark scheme. Enter or Ctrl/Cmd+Enter runs the query,
// Shift+Enter starts a new line.

import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  type CompletionContext,
  type CompletionResult,
  completionKeymap,
  completionStatus,
} from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from "@codemirror/commands";
import { bracketMatching, HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { lintKeymap } from "@codemirror/lint";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { drawSelection, EditorView, highlightSpecialChars, keymap, placeholder } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { useComputedColorScheme } from "@mantine/core";
import { PromQLExtension } from "@prometheus-io/codemirror-promql";
import { type Ref, useEffect, useImperativeHandle, useRef } from "react";
import "./editor.css";
import { matchHistory } from "./history";
import { ApiPrometheusClient } from "./promClient";

/** One client for every editor on the page, so completions are cached once. */
const client = new ApiPrometheusClient();

const highlight = HighlightStyle.define([
  { tag: tags.function(tags.variableName), color: "var(--promql-function)" },
  { tag: tags.operatorKeyword, color: "var(--promql-keyword)", fontWeight: "600" },
  { tag: [tags.modifier, tags.logicOperator], color: "var(--promql-modifier)" },
  { tag: tags.labelName, color: "var(--promql-label)" },
  { tag: tags.string, color: "var(--promql-string)" },
  { tag: tags.number, color: "var(--promql-number)" },
  { tag: tags.variableName, color: "var(--promql-metric)" },
  { tag: tags.comment, color: "var(--promql-comment)", fontStyle: "italic" },
  { tag: tags.invalid, color: "var(--promql-error)" },
]);

const baseTheme = EditorView.theme({
  "&": {
    backgroundColor: "var(--mantine-color-body)",
    color: "var(--mantine-color-text)",
    border: "1px solid var(--mantine-color-default-border)",
    borderRadius: "var(--mantine-radius-sm)",
    fontSize: "15px",
    minHeight: "38px",
  },
  "&.cm-focused": {
    outline: "2px solid var(--mantine-primary-color-filled)",
    outlineOffset: "-1px",
  },
  ".cm-scroller": { fontFamily: "var(--mantine-font-family-monospace)", lineHeight: "1.5" },
  ".cm-content": { padding: "7px 0", caretColor: "var(--mantine-color-text)" },
  ".cm-line": { padding: "0 10px" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--mantine-color-text)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection": {
    backgroundColor: "var(--mantine-primary-color-light-hover) !important",
  },
  ".cm-placeholder": { color: "var(--mantine-color-placeholder)" },
  ".cm-matchingBracket": {
    backgroundColor: "var(--mantine-primary-color-light)",
    outline: "1px solid var(--mantine-primary-color-light-color)",
  },
  ".cm-nonmatchingBracket": { color: "var(--promql-error)" },
  ".cm-tooltip": {
    backgroundColor: "var(--mantine-color-body)",
    color: "var(--mantine-color-text)",
    border: "1px solid var(--mantine-color-default-border)",
    borderRadius: "var(--mantine-radius-sm)",
    boxShadow: "var(--mantine-shadow-md)",
    fontSize: "14px",
  },
  ".cm-tooltip.cm-tooltip-autocomplete > ul": {
    fontFamily: "var(--mantine-font-family-monospace)",
    maxHeight: "18em",
    maxWidth: "min(90vw, 720px)",
  },
  ".cm-tooltip.cm-tooltip-autocomplete > ul > li": { padding: "3px 8px", lineHeight: "1.5" },
  ".cm-tooltip.cm-tooltip-autocomplete > ul > li[aria-selected]": {
    backgroundColor: "var(--mantine-primary-color-light-hover)",
    color: "var(--mantine-color-text)",
  },
  ".cm-tooltip.cm-tooltip-autocomplete > ul > completion-section": {
    color: "var(--mantine-color-dimmed)",
    borderBottom: "1px solid var(--mantine-color-default-border)",
    padding: "3px 8px",
    fontFamily: "var(--mantine-font-family)",
  },
  ".cm-completionDetail": { color: "var(--mantine-color-dimmed)", fontStyle: "normal", marginLeft: "1em" },
  ".cm-completionMatchedText": { textDecoration: "none", fontWeight: "700" },
  ".cm-completionInfo": { padding: "6px 10px", maxWidth: "360px", fontFamily: "var(--mantine-font-family)" },
  ".cm-diagnostic": { padding: "4px 8px" },
  ".cm-diagnostic-error": { borderLeft: "4px solid var(--promql-error)" },
  ".cm-lintRange-error": {
    backgroundImage: "none",
    textDecoration: "underline wavy var(--promql-error)",
    textUnderlineOffset: "3px",
  },
});

export interface EditorHandle {
  /** Puts text at the cursor (replacing a selection) and focuses the editor. */
  insert(text: string): void;
  /** Replaces the whole expression. */
  setValue(text: string): void;
  getValue(): string;
  focus(): void;
}

export function PromQLEditor(props: {
  initialValue: string;
  onChange?: (text: string) => void;
  onExecute: (text: string) => void;
  history: readonly string[];
  ref?: Ref<EditorHandle>;
  label?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const scheme = useComputedColorScheme("light", { getInitialValueInEffect: false });
  const darkness = useRef(new Compartment());
  // The latest callbacks and history, read by the editor's extensions (created once).
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const promql = new PromQLExtension().setComplete({ remote: client, maxMetricsMetadata: 10000 });
    const historySource = (ctx: CompletionContext): CompletionResult | null => {
      const typed = ctx.state.doc.toString();
      if (!ctx.explicit && typed.trim().length < 2) return null;
      const found = matchHistory(latest.current.history, typed);
      if (found.length === 0) return null;
      return {
        // Matched against the whole text typed so far; being in a section puts them after the PromQL completions.
        from: 0,
        to: ctx.state.doc.length,
        options: found.map((e, i) => ({ label: e, type: "text", section: "Query history", boost: -i })),
      };
    };
    const run = (v: EditorView) => {
      latest.current.onExecute(v.state.doc.toString());
      return true;
    };
    const state = EditorState.create({
      doc: props.initialValue,
      extensions: [
        Prec.highest(
          keymap.of([
            { key: "Mod-Enter", run },
            { key: "Ctrl-Enter", run },
            { key: "Enter", run: (v) => (completionStatus(v.state) === "active" ? false : run(v)) },
            { key: "Shift-Enter", run: insertNewlineAndIndent },
          ]),
        ),
        promql.asExtension(),
        EditorState.languageData.of(() => [{ autocomplete: historySource }]),
        autocompletion({ activateOnTyping: true, maxRenderedOptions: 200 }),
        history(),
        closeBrackets(),
        bracketMatching(),
        highlightSpecialChars(),
        drawSelection(),
        syntaxHighlighting(highlight),
        placeholder("PromQL expression, e.g. up"),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": latest.current.label ?? "PromQL expression" }),
        baseTheme,
        darkness.current.of(EditorView.darkTheme.of(scheme === "dark")),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) latest.current.onChange?.(u.state.doc.toString());
        }),
      ],
    });
    const v = new EditorView({ state, parent: host.current! });
    view.current = v;
    return () => {
      v.destroy();
      promql.destroy();
      view.current = null;
    };
    // The editor is created once; later prop changes reach it through `latest` and the handle.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: darkness.current.reconfigure(EditorView.darkTheme.of(scheme === "dark")) });
  }, [scheme]);

  useImperativeHandle(
    props.ref,
    () => ({
      insert(text: string) {
        const v = view.current;
        if (!v) return;
        const { from, to } = v.state.selection.main;
        v.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length } });
        v.focus();
      },
      setValue(text: string) {
        const v = view.current;
        if (!v) return;
        v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text }, selection: { anchor: text.length } });
      },
      getValue() {
        return view.current?.state.doc.toString() ?? "";
      },
      focus() {
        view.current?.focus();
      },
    }),
    [],
  );

  return <div ref={host} data-testid="query-editor" style={{ flex: "1 1 320px", minWidth: 0 }} />;
}
