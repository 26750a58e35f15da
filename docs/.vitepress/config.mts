import { defineConfig } from 'vitepress';

/** The documentation site: `pnpm docs` builds it into `docs/.vitepress/dist`. */
export default defineConfig({
  title: 'ringkit',
  description: 'Place, schedule and follow phone calls through a telephony API.',
  cleanUrls: true,
  lastUpdated: false,
  // Every link between pages is checked when the site is built: a dead one fails the build
  // (links to the demo's local address excepted).
  ignoreDeadLinks: 'localhostLinks',
  themeConfig: {
    nav: [
      { text: 'Getting started', link: '/getting-started' },
      { text: 'Guides', link: '/guide/schedule' },
      { text: 'Reference', link: '/reference/scheduler-core' },
      { text: 'The demo', link: '/demo/' },
    ],
    sidebar: [
      { text: 'Introduction', items: [{ text: 'Getting started', link: '/getting-started' }] },
      {
        text: 'Guides',
        items: [
          { text: 'Schedule calls', link: '/guide/schedule' },
          { text: 'Dial a list', link: '/guide/dial-a-list' },
          { text: 'Campaigns', link: '/guide/campaigns' },
          { text: 'Providers', link: '/guide/providers' },
          { text: 'Twilio', link: '/guide/twilio' },
          { text: 'Telnyx', link: '/guide/telnyx' },
          { text: 'SignalWire', link: '/guide/signalwire' },
          { text: 'Vonage', link: '/guide/vonage' },
          { text: 'Inbound calls', link: '/guide/inbound' },
          { text: 'Compliance', link: '/guide/compliance' },
          { text: 'Agents', link: '/guide/agents' },
          { text: 'Operations', link: '/guide/operations' },
          { text: 'Testing with the simulator', link: '/guide/testing' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: '@ringkit/call-client', link: '/reference/call-client' },
          { text: '@ringkit/scheduler-core', link: '/reference/scheduler-core' },
          { text: '@ringkit/dialer', link: '/reference/dialer' },
          { text: '@ringkit/simulator', link: '/reference/simulator' },
          { text: 'Inside the packages', link: '/reference/internals' },
          { text: 'Performance', link: '/reference/performance' },
        ],
      },
      {
        text: 'The demo',
        items: [
          { text: 'The reference app', link: '/demo/' },
          { text: 'HTTP API', link: '/demo/http-api' },
          { text: 'Web components', link: '/demo/elements' },
          { text: 'How it is put together', link: '/demo/design' },
        ],
      },
    ],
    search: { provider: 'local' },
    outline: [2, 3],
  },
});
