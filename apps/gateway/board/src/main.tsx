import { createRoot } from 'react-dom/client';
import { App } from './app';
import 'diff2html/bundles/css/diff2html.min.css';
import 'highlight.js/styles/github.css';
import './styles.css';

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
