import { AppShell, Group, NavLink, Text, Title } from "@mantine/core";
import { NavLink as RouterLink, Route, Routes } from "react-router-dom";
import { HomePage } from "./pages/HomePage";
import { NotFoundPage } from "./pages/NotFoundPage";

/** The pages in the navigation, in order; later pages (query, alerts, dashboards) add a line here. */
const pages = [{ path: "/", label: "Home" }];

export function App() {
  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 200, breakpoint: "sm" }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md">
          <Title order={3}>Ariane</Title>
          <Text c="dimmed" size="sm">
            monitoring and alerting
          </Text>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {pages.map((p) => (
          <NavLink key={p.path} component={RouterLink} to={p.path} label={p.label} end />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Routes>
          <Route path="/" element={<HomePage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </AppShell.Main>
    </AppShell>
  );
}
