using Ariane.Server;
using Ariane.Server.Cli;

// Started under nohup (or by a parent that ignores SIGHUP), the process inherits SIGHUP as ignored, and .NET then
// never delivers it to the reload handler. Prometheus reloads on SIGHUP either way; so does Ariane: the disposition
// goes back to the default before the runtime's signal handling starts.
SignalDefaults.RestoreSighup();
return await CliApp.RunAsync(args).ConfigureAwait(false);
