/** A style sheet imported as text (Vite's `?inline`), for an element's shadow root. */
declare module '*.css?inline' {
  const css: string;
  export default css;
}
