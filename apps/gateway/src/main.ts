import { Subjects } from '@app/contracts'; console.log(new Subjects().task('x'));
