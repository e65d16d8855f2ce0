import {
  ActionIcon,
  AppShell,
  Burger,
  Group,
  NavLink,
  Text,
  Title,
  Tooltip,
  useComputedColorScheme,
  useMantineColorScheme,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconMoon, IconSun } from "@tabler/icons-react";
import { NavLink as RouterLink, Route, Routes, useLocation } from "react-router-dom";
import { lazy, Suspense, useEffect } from "react";
import { PageLoader } from "./components/Status";
import { HomePage } from "./pages/HomePage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { GraphRedirect } from "./pages/query/GraphRedirect";
import { TargetsPage } from "./pages/targets/TargetsPage";
import { ServiceDiscoveryPage } from "./pages/sd/ServiceDiscoveryPage";
import { ConfigPage } from "./pages/status/ConfigPage";
import { FlagsPage } from "./pages/status/FlagsPage";
import { StatusPage } from "./pages/status/StatusPage";
import { TsdbStatusPage } from "./pages/status/TsdbStatusPage";

// The query page (CodeMirror, uPlot) loads when first opened, which keeps the initial bundle small.
const QueryPage = lazy(() => import("./pages/query/QueryPage").then((m) => ({ default: m.QueryPage })));

/**
 * The pages in the navigation, in order. A page appears here only when its capability exists (no stubs); later
 * capabilities (alerts, rules, dashboards) add a line here and a <Route> below.
 */
const pages: { path: string; label: string }[] = [
  { path: "/", label: "Home" },
  { path: "/query", label: "Query" },
  { path: "/targets", label: "Targets" },
  { path: "/service-discovery", label: "Service discovery" },
  { path: "/status", label: "Status" },
  { path: "/tsdb-status", label: "TSDB status" },
  { path: "/flags", label: "Flags" },
  { path: "/config", label: "Configuration" },
];

/** Light or dark; the system's until the user picks one, then remembered (Mantine keeps it in localStorage). */
function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme("light", { getInitialValueInEffect: false });
  const next = computed === "dark" ? "light" : "dark";
  return (
    <Tooltip label={`Switch to the ${next} theme`}>
      <ActionIcon
        variant="default"
        size="lg"
        aria-label={`Switch to the ${next} theme`}
        data-testid="theme-toggle"
        onClick={() => setColorScheme(next)}
      >
        {computed === "dark" ? <IconSun size={18} /> : <IconMoon size={18} />}
      </ActionIcon>
    </Tooltip>
  );
}

export function App() {
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  // On a phone the navigation is a drawer: following a link closes it.
  useEffect(close, [location.pathname, close]);

  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 210, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Navigation" />
            <Title order={3}>Ariane</Title>
            <Text c="dimmed" size="sm" visibleFrom="xs">
              monitoring and alerting
            </Text>
          </Group>
          <ThemeToggle />
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Pages">
        {pages.map((p) => (
          <NavLink key={p.path} component={RouterLink} to={p.path} label={p.label} end={p.path === "/"} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Routes>
          <Route path="/" element={<HomePage />} />
          <Route path="/query" element={<Suspense fallback={<PageLoader what="the query page" />}><QueryPage /></Suspense>} />
          <Route path="/graph" element={<GraphRedirect />} />
          <Route path="/targets" element={<TargetsPage />} />
          <Route path="/service-discovery" element={<ServiceDiscoveryPage />} />
          <Route path="/status" element={<StatusPage />} />
          <Route path="/tsdb-status" element={<TsdbStatusPage />} />
          <Route path="/flags" element={<FlagsPage />} />
          <Route path="/config" element={<ConfigPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </AppShell.Main>
    </AppShell>
  );
}
